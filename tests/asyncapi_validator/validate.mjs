// node validate.mjs <asyncapi document> [<payloads.json>]
//
// Validates the document with the official AsyncAPI parser and prints its diagnostics as a JSON
// array. With a payloads file ([{"message": "<components.messages key>", "payload": {...}}]), also
// validates each payload against that message's payload schema, reporting mismatches as
// "payload-schema" errors. Exits 1 when any diagnostic is an error.
import { readFile } from "node:fs/promises";
import { DiagnosticSeverity, Parser } from "@asyncapi/parser";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const [path, payloadsPath] = process.argv.slice(2);
if (!path) {
  console.error("usage: node validate.mjs <asyncapi document> [<payloads.json>]");
  process.exit(2);
}
const text = await readFile(path, "utf8");
const parser = new Parser();
const report = (await parser.validate(text, { source: path })).map(({ code, message, path: where, severity }) => ({
  code,
  message,
  path: where,
  severity: DiagnosticSeverity[severity].toLowerCase(),
}));

if (payloadsPath) {
  const { document } = await parser.parse(text, { source: path });
  const messages = document?.json().components?.messages ?? {};
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  for (const { message, payload } of JSON.parse(await readFile(payloadsPath, "utf8"))) {
    const where = ["components", "messages", message, "payload"];
    if (!messages[message]) {
      report.push({ code: "payload-schema", message: `no message ${message}`, path: where, severity: "error" });
      continue;
    }
    const validate = ajv.compile(messages[message].payload);
    if (!validate(payload)) {
      const detail = ajv.errorsText(validate.errors, { dataVar: "payload" });
      report.push({ code: "payload-schema", message: detail, path: where, severity: "error" });
    }
  }
}
console.log(JSON.stringify(report, null, 2));
process.exit(report.some((d) => d.severity === "error") ? 1 : 0);
