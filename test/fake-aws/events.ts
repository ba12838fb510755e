// Amazon EventBridge, as far as preflight asks it: DescribeEventBus
// (awsJson1.1, `AWSEvents.*`), by name or ARN. The `default` bus always
// exists; a missing one is ResourceNotFoundException.

import { optionalString } from "./fields.js";
import { unknownOperation } from "./server.js";
import { AwsFault, type AwsService } from "./types.js";

export interface EventsService extends AwsService {
  createEventBus(name: string): void;
  deleteEventBus(name: string): void;
}

export function createEventsService(options: { accountId?: string; region?: string } = {}): EventsService {
  return new FakeEvents(options.accountId ?? "123456789012", options.region ?? "ap-south-1");
}

class FakeEvents implements EventsService {
  readonly targetPrefix = "AWSEvents";
  readonly jsonVersion = "1.1" as const;
  private readonly buses = new Set<string>(["default"]);

  constructor(
    private readonly accountId: string,
    private readonly region: string,
  ) {}

  createEventBus(name: string): void {
    this.buses.add(name);
  }
  deleteEventBus(name: string): void {
    this.buses.delete(name);
  }

  handle(operation: string, input: Record<string, unknown>): unknown {
    if (operation !== "DescribeEventBus") throw unknownOperation(this.targetPrefix, operation);
    const given = optionalString(input, "Name") ?? "default";
    const name = given.replace(/^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\//, "");
    if (!this.buses.has(name))
      throw new AwsFault("ResourceNotFoundException", `Event bus ${name} does not exist.`);
    return { Name: name, Arn: `arn:aws:events:${this.region}:${this.accountId}:event-bus/${name}` };
  }
}
