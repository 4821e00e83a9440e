// JSON values: what optimizer scalars, data positions and trainer state are made of, so
// they round-trip through a checkpoint's JSON files unchanged.
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
