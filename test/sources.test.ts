import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { inputSources } from "../src/sources/input-sources.js";
import { readSources, type SecretsSink, type Source } from "../src/sources/source.js";
import type { RawParameter } from "../src/sources/ssm/parameters.js";
import { ssmSource } from "../src/sources/ssm/source.js";
import type { SourceValues } from "../src/sources/types.js";

/** A sink that records what it was told, in order. */
function recordingSink(): SecretsSink & { told: string[] } {
  const told: string[] = [];
  return {
    told,
    add: (value) => told.push(`secret:${value}`),
    addCredential: (value) => told.push(`credential:${value}`),
  };
}

const values = (entries: Record<string, string>, secret = false): SourceValues =>
  new Map(
    Object.entries(entries).map(([key, value]) => [
      key,
      { value, source: "tfvars", origin: "t", ...(secret ? { secret } : {}) },
    ]),
  );

/** A source that records when it is read and gives fixed values. */
function fixed(name: string, given: SourceValues, log: string[], needs: Source[] = []): Source {
  return {
    name,
    needs,
    async read() {
      log.push(name);
      return { values: given };
    },
  };
}

describe("readSources: one shape, read in need order, returned in precedence order", () => {
  it("reads a source after the ones it needs, hands it their readings, returns the list's order", async () => {
    const log: string[] = [];
    const region = fixed("region-giver", values({ region: "ap-south-1" }), log);
    const reader: Source = {
      name: "reader",
      needs: [region],
      async read({ readingOf }) {
        log.push("reader");
        return { values: values({ dq_table: `dq-${readingOf(region).values.get("region")?.value}` }) };
      },
    };
    const readings = await readSources([reader, region], recordingSink());
    expect(log).toEqual(["region-giver", "reader"]);
    expect(readings.map((reading) => [...reading.values.keys()])).toEqual([["dq_table"], ["region"]]);
    expect(readings[0]?.values.get("dq_table")?.value).toBe("dq-ap-south-1");
  });

  it("reads a source once however many need it", async () => {
    const log: string[] = [];
    const base = fixed("base", values({}), log);
    await readSources(
      [fixed("a", values({}), log, [base]), fixed("b", values({}), log, [base]), base],
      recordingSink(),
    );
    expect(log.filter((name) => name === "base")).toHaveLength(1);
  });

  it("refuses sources that need each other, and a reading taken without a need", async () => {
    const aNeeds: Source[] = [];
    const a: Source = { name: "a", needs: aNeeds, read: async () => ({ values: new Map() }) };
    const b: Source = { name: "b", needs: [a], read: async () => ({ values: new Map() }) };
    aNeeds.push(b);
    await expect(readSources([a, b], recordingSink())).rejects.toThrow(
      "sources need each other: a -> b -> a",
    );
    const other: Source = { name: "other", read: async () => ({ values: new Map() }) };
    const peeking: Source = {
      name: "peeking",
      read: async ({ readingOf }) => readingOf(other),
    };
    await expect(readSources([other, peeking], recordingSink())).rejects.toThrow(
      "source peeking reads other without needing it",
    );
  });

  it("registers every secret value and every URL credential a source returns, whichever source", async () => {
    const sink = recordingSink();
    const plain = values({ repository: "https://ci:tok3n-abc@git.example.com/x.git" });
    await readSources(
      [fixed("secret", values({ dq_table: "hunter22" }, true), []), fixed("plain", plain, [])],
      sink,
    );
    expect(sink.told).toEqual(["secret:hunter22", "credential:tok3n-abc"]);
  });
});

describe("the SSM source: live or file, one place", () => {
  const region: Source = {
    name: "tfvars",
    read: async () => ({ values: values({ region: "eu-west-1" }) }),
  };
  const deps = (readLive: (request: { tfvarsRegion?: string }) => Promise<RawParameter[]>) => ({
    label: (option: string) => `--${option}`,
    now: () => 0,
    regionFrom: region,
    readLive,
  });

  it("reads live with tfvars.json's region, and registers a SecureString before it parses it", async () => {
    const asked: Array<string | undefined> = [];
    const sink = recordingSink();
    const source = ssmSource(
      { ssmPath: "/mlops/dcp/", ssmParam: [], offline: false },
      deps(async (request) => {
        asked.push(request.tfvarsRegion);
        return [
          { name: "/mlops/dcp/a/dq_table", value: "s3cret-one", type: "SecureString" },
          { name: "/mlops/dcp/b/dq_table", value: "s3cret-two", type: "SecureString" },
        ];
      }),
    );
    // Two parameters disagree: parsing refuses them, yet both values were registered first.
    await expect(readSources([source, region], sink)).rejects.toThrow(/two different values/);
    expect(asked).toEqual(["eu-west-1"]);
    expect(sink.told).toEqual(["secret:s3cret-one", "secret:s3cret-two"]);
  });

  it("refuses a bad parameter name when it is built, before any read", () => {
    let called = false;
    const build = () =>
      ssmSource(
        { ssmParam: ["bad name!"], offline: false },
        deps(async () => {
          called = true;
          return [];
        }),
      );
    expect(build).toThrow(InputError);
    expect(build).toThrow(/--ssm-param 'bad name!' is not a valid SSM parameter name/);
    expect(called).toBe(false);
  });

  it("reads --ssm-file as parameters, says it replaces the live read, and lists unused keys for --explain", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ssm-source-"));
    const file = join(dir, "ssm.json");
    writeFileSync(file, JSON.stringify({ athenadb_name: "db", state_machine_arn: "arn:x", extra: "y" }));
    const source = ssmSource(
      { ssmFile: file, ssmPath: "/p/", ssmParam: [], offline: true },
      deps(async () => {
        throw new Error("no live read with --ssm-file");
      }),
    );
    expect(source.needs).toEqual([]);
    const [reading] = await readSources([source], recordingSink());
    expect(reading?.values.get("athenadb_name")).toMatchObject({
      value: "db",
      origin: `${file}#athenadb_name`,
    });
    expect(reading?.control?.state_machine_arn?.value).toBe("arn:x");
    expect(reading?.notes?.map((note) => note.level)).toEqual(["warn"]);
    expect(reading?.explain).toEqual([`not sent: extra from SSM ${file}#extra is not an input key`]);
  });
});

describe("the list of sources", () => {
  it("puts SSM lowest and --set highest, and reads SSM live after tfvars.json for its region", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sources-"));
    const tfvars = join(dir, "tfvars.json");
    writeFileSync(tfvars, JSON.stringify({ region: "ap-south-1", use_case_name: "DCP", other: 1 }));
    const regions: Array<string | undefined> = [];
    const input = inputSources(
      {
        tfvars,
        repoDir: dir,
        timezone: "UTC",
        set: ["dq_table=x"],
        ssmParam: ["/a/dq_table"],
        offline: false,
      },
      {
        label: (option) => `--${option}`,
        env: {},
        now: () => Date.UTC(2023, 9, 14),
        readLiveSsm: async (request) => {
          regions.push(request.tfvarsRegion);
          return [{ name: "/a/dq_table", value: "from-ssm" }];
        },
      },
    );
    const readings = await readSources(input.sources, recordingSink());
    expect(regions).toEqual(["ap-south-1"]);
    expect(input.tfvarsRegion(readings)).toBe("ap-south-1");
    expect(input.date.compact).toBe("20231014");
    const sourceOf = (key: string) => readings.findIndex((reading) => reading.values.has(key));
    expect(sourceOf("dq_table")).toBe(0);
    expect(readings.at(-1)?.values.get("dq_table")?.source).toBe("set");
    expect(sourceOf("region")).toBeLessThan(sourceOf("year"));
    expect(readings.flatMap((reading) => reading.explain ?? [])).toContain(
      "ignored tfvars variables (not input keys): other",
    );
  });

  it("checks --set before --date, and both before any file is read", () => {
    const options = {
      tfvars: "/nonexistent/tfvars.json",
      repoDir: "/nonexistent",
      timezone: "UTC",
      ssmParam: [],
      offline: true,
    };
    const deps = { label: (option: string) => `--${option}`, env: {}, now: Date.now };
    expect(() => inputSources({ ...options, set: ["nokey"], date: "2023-02-30" }, deps)).toThrow(
      /--set takes KEY=VALUE/,
    );
    expect(() => inputSources({ ...options, set: [], date: "2023-02-30" }, deps)).toThrow(
      /not a real calendar date/,
    );
  });
});

describe("the composer names no source", () => {
  it("src/input/prepare.ts and compose.ts import only the sources' shape and list, and name no source", () => {
    for (const file of ["src/input/prepare.ts", "src/input/compose.ts"]) {
      const text = readFileSync(file, "utf8");
      const fromSources = [...text.matchAll(/from "\.\.\/sources\/([\w/-]+)\.js"/g)].map((match) => match[1]);
      expect(
        fromSources.every((module) => ["source", "input-sources", "types"].includes(module ?? "")),
        file,
      ).toBe(true);
      expect(text, file).not.toMatch(
        /"(ssm|tfvars|git|clock|set)"|Tfvars|RepositorySource|SsmSnapshot|readSsm/,
      );
    }
  });
});
