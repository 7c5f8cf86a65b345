// The page: read the manifest, open the model on onnxruntime-web (WASM; threads where the page is cross-origin
// isolated), translate a chosen or dropped photo, show it beside the photo, offer the result as a download.
// window.ugatit is the same code path for the browser runner (ugatit-deploy's onnxruntime-web backend) and tests.
import * as ort from "./ort/ort.wasm.min.mjs";
import { checkPreprocessing, resizeBilinear, rgbToRgba, rgbaToRgb, toRgb, toTensor, tooLarge } from "./pipeline.mjs";

const $ = (id) => document.getElementById(id);

async function open() {
  const manifest = await (await fetch("manifest.json")).json();
  checkPreprocessing(manifest.preprocessing);
  const isolated = globalThis.crossOriginIsolated === true;
  ort.env.wasm.wasmPaths = new URL(`${manifest.runtime.folder}/`, import.meta.url).href;
  // Threads need SharedArrayBuffer, which only a cross-origin isolated page has (COOP + COEP headers). ?threads=N
  // asks for N (the browser runner's --threads); the default is the cores, at most 4.
  const asked = Number(new URLSearchParams(location.search).get("threads")) || 0;
  const cores = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));
  ort.env.wasm.numThreads = isolated ? asked || cores : 1;
  const started = performance.now();
  const session = await ort.InferenceSession.create(manifest.model, { executionProviders: ["wasm"] });
  const info = {
    backend: "wasm", threads: ort.env.wasm.numThreads, isolated, loadMs: performance.now() - started,
    version: manifest.runtime.version, precision: manifest.precision, size: manifest.input.size,
  };
  return { manifest, session, info };
}

const opened = open();

// One batch N x 3 x S x S (float32, [-1, 1]) through the model: its output and the milliseconds of session.run.
async function runTensor(data, dims) {
  const { manifest, session } = await opened;
  const input = new ort.Tensor("float32", data instanceof Float32Array ? data : Float32Array.from(data), dims);
  const started = performance.now();
  const outputs = await session.run({ [manifest.input.name]: input });
  const ms = performance.now() - started;
  const output = outputs[manifest.output];
  return { data: output.data, dims: output.dims, ms };
}

// RGB bytes (width x height) -> the translated RGB bytes, at the model's size or, with keepSize, the photo's.
async function translateRgb(rgb, width, height, keepSize) {
  const { manifest } = await opened;
  const size = manifest.input.size;
  const tensor = toTensor(resizeBilinear(rgb, width, height, size, size), size);
  const { data, ms } = await runTensor(tensor, [1, 3, size, size]);
  let out = toRgb(data, size, size);
  let [w, h] = [size, size];
  if (keepSize && (width !== size || height !== size)) {
    out = resizeBilinear(out, size, size, width, height);
    [w, h] = [width, height];
  }
  return { rgb: out, width: w, height: h, ms };
}

// The browser runner's stage / execute / fetch: a batch sent once as base64 float32, run as often as timed, and
// its output read back once.
const staged = { input: null, dims: null, output: null };

function fromBase64(text) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

function toBase64(floats) {
  const bytes = new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function runStaged() {
  const { data, dims, ms } = await runTensor(staged.input, staged.dims);
  staged.output = { data, dims };
  return ms;
}

globalThis.ugatit = {
  ready: opened.then(({ info }) => info), runTensor, translateRgb, translateFile: null, runStaged,
  stage: (text, dims) => { staged.input = fromBase64(text); staged.dims = dims; return staged.input.length; },
  fetchStaged: () => ({ data: toBase64(staged.output.data), dims: staged.output.dims }),
};

function draw(canvas, rgb, width, height) {
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").putImageData(new ImageData(rgbToRgba(rgb), width, height), 0, 0);
}

// A file -> its RGB bytes as Python reads it: no EXIF turn, no colour management, alpha over white.
async function readPhoto(file, limits) {
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.src = url;
    try {
      await image.decode();
    } catch {
      throw new Error(`${file.name} is not an image this browser can read`);
    }
    const problem = tooLarge(image.naturalWidth, image.naturalHeight, limits);
    if (problem) throw new Error(problem);
    const bitmap = await createImageBitmap(file, { imageOrientation: "none", colorSpaceConversion: "none",
      premultiplyAlpha: "none" });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, bitmap.width, bitmap.height);
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height);
    return { rgb: rgbaToRgb(pixels.data), width: bitmap.width, height: bitmap.height };
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function translateFile(file) {
  const { manifest } = await opened;
  $("error").textContent = "";
  $("download").disabled = true;
  const photo = await readPhoto(file, manifest.limits);
  draw($("input"), photo.rgb, photo.width, photo.height);
  $("caption").textContent = "translating...";
  const result = await translateRgb(photo.rgb, photo.width, photo.height, $("keep").checked);
  draw($("output"), result.rgb, result.width, result.height);
  $("caption").textContent = `its translation: ${result.ms.toFixed(0)} ms`;
  $("download").disabled = false;
  $("download").dataset.name = `${file.name.replace(/\.[^.]*$/, "")}_translated.png`;
  return result;
}
globalThis.ugatit.translateFile = translateFile;

function handle(file) {
  translateFile(file).catch((error) => {
    $("error").textContent = error.message;
    $("caption").textContent = "its translation";
  });
}

$("file").addEventListener("change", (event) => event.target.files[0] && handle(event.target.files[0]));
$("drop").addEventListener("dragover", (event) => { event.preventDefault(); $("drop").classList.add("over"); });
$("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
$("drop").addEventListener("drop", (event) => {
  event.preventDefault();
  $("drop").classList.remove("over");
  if (event.dataTransfer.files[0]) handle(event.dataTransfer.files[0]);
});
$("download").addEventListener("click", () => {
  $("output").toBlob((blob) => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = $("download").dataset.name || "translated.png";
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }, "image/png");
});

opened.then(({ info }) => {
  $("status").textContent = `Ready: ${info.precision} model, ${info.size} px, loaded in ${info.loadMs.toFixed(0)} ms.`;
  $("runtime").textContent = `onnxruntime-web ${info.version}, ${info.backend}, ${info.threads} thread${info.threads > 1 ? "s" : ""}`
    + (info.isolated ? " (cross-origin isolated)" : ": this page is not cross-origin isolated, so it runs on one thread "
      + "(serve it with `ugatit-deploy serve-web` for threads)");
}).catch((error) => {
  $("status").textContent = `The model could not be loaded: ${error.message}`;
});
