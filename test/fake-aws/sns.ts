// Amazon SNS, as far as preflight asks it: GetTopicAttributes, in the query
// protocol. A missing topic is `NotFound` (404), a malformed ARN
// `InvalidParameter`, a denied caller `AuthorizationError` (403), as the API
// reference lists them.

import {
  type HttpAnswer,
  type HttpRequest,
  type HttpService,
  type InjectedKind,
  invalidAction,
  queryAnswer,
  queryError,
  queryInjected,
  queryInput,
  queryOperation,
  queryParams,
  requiredParam,
  xmlElement,
} from "./http-service.js";
import { AwsFault } from "./types.js";

export interface SnsService extends HttpService {
  createTopic(topicArn: string): void;
  deleteTopic(topicArn: string): void;
}

export function createSnsService(): SnsService {
  return new FakeSns();
}

const NS = "http://sns.amazonaws.com/doc/2010-03-31/";
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}(\.fifo)?$/;

class FakeSns implements SnsService {
  readonly protocol = "http" as const;
  readonly targetPrefix = "SNS";
  readonly signingName = "sns";
  private readonly topics = new Set<string>();

  createTopic(topicArn: string): void {
    this.topics.add(topicArn);
  }

  deleteTopic(topicArn: string): void {
    this.topics.delete(topicArn);
  }

  readonly operationOf = queryOperation;
  readonly inputOf = queryInput;

  handle(operation: string, req: HttpRequest): HttpAnswer {
    if (operation !== "GetTopicAttributes") throw invalidAction(operation);
    const arn = requiredParam(queryParams(req), "TopicArn");
    if (!TOPIC_ARN.test(arn)) throw new AwsFault("InvalidParameter", "Invalid parameter: TopicArn");
    if (!this.topics.has(arn)) throw new AwsFault("NotFound", "Topic does not exist", 404);
    const owner = arn.split(":")[4] ?? "";
    const attributes: Record<string, string> = {
      TopicArn: arn,
      Owner: owner,
      DisplayName: "",
      SubscriptionsConfirmed: "1",
      SubscriptionsPending: "0",
      SubscriptionsDeleted: "0",
    };
    const entries = Object.entries(attributes)
      .map(([key, value]) => `<entry>${xmlElement("key", key)}${xmlElement("value", value)}</entry>`)
      .join("");
    return queryAnswer("GetTopicAttributes", NS, `<Attributes>${entries}</Attributes>`);
  }

  errorAnswer(fault: AwsFault): HttpAnswer {
    return queryError(fault, NS);
  }

  injected(kind: InjectedKind, operation: string): AwsFault | undefined {
    return queryInjected(
      kind,
      new AwsFault(
        "AuthorizationError",
        `User: arn:aws:sts::123456789012:assumed-role/jenkins/batchinf is not authorized to perform: SNS:${operation}`,
        403,
      ),
    );
  }
}
