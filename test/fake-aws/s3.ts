// Amazon S3, as far as preflight asks it: HeadBucket, GetBucketLocation and
// HeadObject, path-style (`/BUCKET`, `/BUCKET/KEY`), as clients send them when
// an endpoint is set. REST-XML: errors are an `<Error>` document, except for
// HEAD requests, which S3 answers with the status alone (so the SDK names a
// missing bucket or key `NotFound`). GetBucketLocation answers an empty
// LocationConstraint for us-east-1, and `EU` never (a bucket made today).

import type { HttpAnswer, HttpRequest, HttpService, InjectedKind } from "./http-service.js";
import { xmlElement } from "./http-service.js";
import { AwsFault } from "./types.js";

export interface S3ServiceOptions {
  /** The region buckets are created in unless told otherwise. */
  region?: string;
}

export interface S3Service extends HttpService {
  createBucket(name: string, options?: { region?: string }): void;
  deleteBucket(name: string): void;
  putObject(bucket: string, key: string, body: string | Buffer): void;
  deleteObject(bucket: string, key: string): void;
  /** Calls to this bucket (or object in it) answer AccessDenied, as a bucket policy that denies the caller. */
  denyBucket(name: string): void;
}

export function createS3Service(options: S3ServiceOptions = {}): S3Service {
  return new FakeS3(options.region ?? "ap-south-1");
}

const NS = "http://s3.amazonaws.com/doc/2006-03-01/";

interface Bucket {
  region: string;
  objects: Map<string, Buffer>;
  denied: boolean;
}

class FakeS3 implements S3Service {
  readonly protocol = "http" as const;
  readonly targetPrefix = "S3";
  readonly signingName = "s3";
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly region: string) {}

  createBucket(name: string, options: { region?: string } = {}): void {
    this.buckets.set(name, { region: options.region ?? this.region, objects: new Map(), denied: false });
  }

  deleteBucket(name: string): void {
    this.buckets.delete(name);
  }

  putObject(bucket: string, key: string, body: string | Buffer): void {
    const found = this.buckets.get(bucket);
    if (!found) throw new Error(`fake s3: no bucket ${bucket}`);
    found.objects.set(key, Buffer.from(body));
  }

  deleteObject(bucket: string, key: string): void {
    this.buckets.get(bucket)?.objects.delete(key);
  }

  denyBucket(name: string): void {
    const found = this.buckets.get(name);
    if (found) found.denied = true;
  }

  operationOf(req: HttpRequest): string | undefined {
    const { bucket, key } = splitPath(req.path);
    if (!bucket) return undefined;
    if (req.method === "HEAD") return key ? "HeadObject" : "HeadBucket";
    if (req.method === "GET" && !key && req.query.has("location")) return "GetBucketLocation";
    return undefined;
  }

  inputOf(req: HttpRequest): Record<string, unknown> {
    const { bucket, key } = splitPath(req.path);
    return { Bucket: bucket, ...(key ? { Key: key } : {}) };
  }

  handle(operation: string, req: HttpRequest): HttpAnswer {
    const { bucket: name, key } = splitPath(req.path);
    const bucket = this.buckets.get(name);
    if (!bucket) throw noSuchBucket();
    if (bucket.denied) throw new AwsFault("AccessDenied", "Access Denied", 403);
    const regionHeader = { "x-amz-bucket-region": bucket.region };
    switch (operation) {
      case "HeadBucket":
        return { status: 200, headers: regionHeader };
      case "GetBucketLocation": {
        // us-east-1 is the one region S3 names with an empty LocationConstraint.
        const location = bucket.region === "us-east-1" ? "" : bucket.region;
        return {
          status: 200,
          headers: { "Content-Type": "application/xml" },
          body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${NS}">${location}</LocationConstraint>`,
        };
      }
      case "HeadObject": {
        const object = bucket.objects.get(key);
        if (!object) throw new AwsFault("NoSuchKey", "The specified key does not exist.", 404);
        return {
          status: 200,
          headers: {
            "Content-Length": String(object.length),
            "Content-Type": "application/json",
            ETag: `"${object.length.toString(16).padStart(32, "0")}"`,
            "Last-Modified": new Date(0).toUTCString(),
          },
        };
      }
      default:
        throw new AwsFault("NotImplemented", `${operation} is not modelled`, 501);
    }
  }

  errorAnswer(fault: AwsFault, req: HttpRequest): HttpAnswer {
    // HEAD answers carry no body: the status is all a client gets.
    if (req.method === "HEAD") return { status: fault.status };
    const { bucket } = splitPath(req.path);
    return {
      status: fault.status,
      headers: { "Content-Type": "application/xml" },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${xmlElement("Code", fault.code)}${xmlElement("Message", fault.message)}${fault.code === "NoSuchBucket" ? xmlElement("BucketName", bucket) : ""}<RequestId>4442587FB7D0A2F9</RequestId><HostId>fake</HostId></Error>`,
    };
  }

  injected(kind: InjectedKind): AwsFault | undefined {
    if (kind === "throttle") return new AwsFault("SlowDown", "Please reduce your request rate.", 503);
    if (kind === "accessDenied") return new AwsFault("AccessDenied", "Access Denied", 403);
    return undefined;
  }
}

function noSuchBucket(): AwsFault {
  return new AwsFault("NoSuchBucket", "The specified bucket does not exist", 404);
}

/** Path-style: `/bucket` or `/bucket/key/with/slashes`. */
function splitPath(path: string): { bucket: string; key: string } {
  const trimmed = path.replace(/^\//, "");
  const slash = trimmed.indexOf("/");
  return slash < 0
    ? { bucket: trimmed, key: "" }
    : { bucket: trimmed.slice(0, slash), key: trimmed.slice(slash + 1) };
}
