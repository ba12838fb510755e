// Amazon DynamoDB, as far as preflight asks it: DescribeTable (awsJson1.0,
// `DynamoDB_20120810.*`). A table has a status (CREATING, ACTIVE, UPDATING,
// DELETING, ...); a missing one is ResourceNotFoundException with DynamoDB's
// own wording.

import { requiredString } from "./fields.js";
import { unknownOperation } from "./server.js";
import { AwsFault, type AwsService } from "./types.js";

export type TableStatus = "CREATING" | "ACTIVE" | "UPDATING" | "DELETING" | "ARCHIVING" | "ARCHIVED";

export interface DynamoDbService extends AwsService {
  createTable(name: string, status?: TableStatus): void;
  deleteTable(name: string): void;
}

export function createDynamoDbService(
  options: { accountId?: string; region?: string } = {},
): DynamoDbService {
  return new FakeDynamoDb(options.accountId ?? "123456789012", options.region ?? "ap-south-1");
}

class FakeDynamoDb implements DynamoDbService {
  readonly targetPrefix = "DynamoDB_20120810";
  readonly jsonVersion = "1.0" as const;
  private readonly tables = new Map<string, TableStatus>();

  constructor(
    private readonly accountId: string,
    private readonly region: string,
  ) {}

  createTable(name: string, status: TableStatus = "ACTIVE"): void {
    this.tables.set(name, status);
  }
  deleteTable(name: string): void {
    this.tables.delete(name);
  }

  handle(operation: string, input: Record<string, unknown>): unknown {
    if (operation !== "DescribeTable") throw unknownOperation(this.targetPrefix, operation);
    const given = requiredString(input, "TableName");
    // A table is named by name or ARN.
    const name = given.replace(/^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\//, "");
    const status = this.tables.get(name);
    if (!status) {
      throw new AwsFault(
        "ResourceNotFoundException",
        `Requested resource not found: Table: ${name} not found`,
      );
    }
    return {
      Table: {
        TableName: name,
        TableArn: `arn:aws:dynamodb:${this.region}:${this.accountId}:table/${name}`,
        TableStatus: status,
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        BillingModeSummary: { BillingMode: "PAY_PER_REQUEST" },
        ItemCount: 0,
        TableSizeBytes: 0,
        CreationDateTime: new Date(0),
      },
    };
  }
}
