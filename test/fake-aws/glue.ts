// AWS Glue, as far as preflight asks it: GetJob and GetDatabase (awsJson1.1,
// `AWSGlue.*`). A missing job or database is EntityNotFoundException, as the
// API reference names it.

import { requiredString } from "./fields.js";
import { unknownOperation } from "./server.js";
import { AwsFault, type AwsService } from "./types.js";

export interface GlueService extends AwsService {
  createJob(name: string): void;
  deleteJob(name: string): void;
  createDatabase(name: string): void;
  deleteDatabase(name: string): void;
}

export function createGlueService(options: { accountId?: string } = {}): GlueService {
  return new FakeGlue(options.accountId ?? "123456789012");
}

class FakeGlue implements GlueService {
  readonly targetPrefix = "AWSGlue";
  readonly jsonVersion = "1.1" as const;
  private readonly jobs = new Set<string>();
  private readonly databases = new Set<string>();

  constructor(private readonly accountId: string) {}

  createJob(name: string): void {
    this.jobs.add(name);
  }
  deleteJob(name: string): void {
    this.jobs.delete(name);
  }
  createDatabase(name: string): void {
    this.databases.add(name);
  }
  deleteDatabase(name: string): void {
    this.databases.delete(name);
  }

  handle(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case "GetJob": {
        const name = requiredString(input, "JobName");
        if (!this.jobs.has(name)) throw new AwsFault("EntityNotFoundException", `Job ${name} not found`);
        return {
          Job: {
            Name: name,
            Role: `arn:aws:iam::${this.accountId}:role/glue-jobs`,
            Command: { Name: "glueetl", ScriptLocation: `s3://scripts/${name}.py`, PythonVersion: "3" },
            GlueVersion: "4.0",
            WorkerType: "G.1X",
            NumberOfWorkers: 10,
            CreatedOn: new Date(0),
          },
        };
      }
      case "GetDatabase": {
        const name = requiredString(input, "Name");
        if (!this.databases.has(name))
          throw new AwsFault("EntityNotFoundException", `Database ${name} not found.`);
        return { Database: { Name: name, CatalogId: this.accountId, CreateTime: new Date(0) } };
      }
      default:
        throw unknownOperation(this.targetPrefix, operation);
    }
  }
}
