// Runs the web bundle's pipeline.mjs on raw files for tests/formats/test_web_pipeline.py:
//   node web_pipeline.mjs PIPELINE resize IN.rgb W H OW OH OUT.rgb | tensor IN.rgb S OUT.f32 | rgb IN.f32 W H OUT.rgb
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [pipelinePath, operation, ...args] = process.argv.slice(2);
const pipeline = await import(pathToFileURL(pipelinePath).href);
const bytes = (path) => new Uint8Array(readFileSync(path));
const floats = (path) => { const b = readFileSync(path); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
const write = (path, array) => writeFileSync(path, Buffer.from(array.buffer, array.byteOffset, array.byteLength));

if (operation === "resize") {
  const [input, w, h, ow, oh, output] = args;
  write(output, pipeline.resizeBilinear(bytes(input), +w, +h, +ow, +oh));
} else if (operation === "tensor") {
  const [input, size, output] = args;
  write(output, pipeline.toTensor(bytes(input), +size));
} else if (operation === "rgb") {
  const [input, w, h, output] = args;
  write(output, pipeline.toRgb(floats(input), +w, +h));
} else {
  throw new Error(`unknown operation ${operation}`);
}
