// The bundle's pre- and post-processing, as ugatit_deploy.core.imaging computes them (and cpp/src/resize.cpp):
// RGB bytes -> Pillow's bilinear resize, bit for bit -> NCHW float32 in [-1, 1]; model output -> clipped,
// x 127.5 + 127.5 in float32, rounded half to even (torch.round) -> RGB bytes. Pure functions: the page, the
// browser runner and the tests (node) run this same file.

const PRECISION_BITS = 22; // 32 bits - 8 for the sample - 2 for headroom, as in Pillow
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

// What the page can run: the manifest's preprocessing must say exactly this.
export const SUPPORTED = Object.freeze({ color: "RGB", layout: "NCHW", resize: "bilinear", scale: "x / 127.5 - 1" });

export function checkPreprocessing(preprocessing) {
  for (const [key, value] of Object.entries(SUPPORTED)) {
    if (preprocessing[key] !== value) {
      throw new Error(`this page runs preprocessing.${key} = ${value}, the model asks for ${preprocessing[key]}`);
    }
  }
}

function triangle(x) {
  x = Math.abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

// The fixed-point weights of one axis: output i reads inputs first[i] .. first[i] + count[i] - 1.
function makeKernel(inSize, outSize) {
  const scale = inSize / outSize;
  const stretch = Math.max(scale, 1.0);
  const support = stretch; // the triangle's support is 1 input pixel, widened when shrinking
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize), count = new Int32Array(outSize), weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const start = Math.max(Math.trunc(center - support + 0.5), 0);
    const end = Math.min(Math.trunc(center + support + 0.5), inSize);
    let sum = 0.0;
    for (let k = 0; k < end - start; k++) {
      w[k] = triangle((k + start - center + 0.5) / stretch);
      sum += w[k];
    }
    for (let k = 0; k < end - start; k++) {
      const fixed = (sum !== 0.0 ? w[k] / sum : w[k]) * ONE;
      weights[i * taps + k] = Math.trunc(fixed < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    first[i] = start;
    count[i] = end - start;
  }
  return { taps, first, count, weights };
}

function clampByte(sum) {
  const value = Math.floor(sum / ONE); // sums stay below 2^31: exact in doubles
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

function horizontal(rgb, width, height, outWidth) {
  const { taps, first, count, weights } = makeKernel(width, outWidth);
  const out = new Uint8Array(outWidth * height * 3);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3, target = y * outWidth * 3;
    for (let x = 0; x < outWidth; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = HALF;
        for (let k = 0; k < count[x]; k++) sum += rgb[row + (first[x] + k) * 3 + c] * weights[x * taps + k];
        out[target + x * 3 + c] = clampByte(sum);
      }
    }
  }
  return out;
}

function vertical(rgb, width, height, outHeight) {
  const { taps, first, count, weights } = makeKernel(height, outHeight);
  const stride = width * 3;
  const out = new Uint8Array(stride * outHeight);
  const sums = new Float64Array(stride);
  for (let y = 0; y < outHeight; y++) {
    sums.fill(HALF);
    for (let k = 0; k < count[y]; k++) {
      const row = (first[y] + k) * stride, weight = weights[y * taps + k];
      for (let i = 0; i < stride; i++) sums[i] += rgb[row + i] * weight;
    }
    for (let i = 0; i < stride; i++) out[y * stride + i] = clampByte(sums[i]);
  }
  return out;
}

// Pillow 13 runs the vertical pass first when the height shrinks by more than twice as many pixels as the width.
export function verticalPassFirst(width, height, outWidth, outHeight) {
  return outHeight < height && height - outHeight > 2 * (width - outWidth);
}

// Image.resize((outWidth, outHeight), Image.BILINEAR) of an RGB image (rows of R, G, B bytes).
export function resizeBilinear(rgb, width, height, outWidth, outHeight) {
  if (!(outWidth >= 1 && outHeight >= 1)) throw new Error(`resize target must be at least 1x1, got ${outWidth}x${outHeight}`);
  if (width === outWidth && height === outHeight) return rgb;
  if (width === outWidth) return vertical(rgb, width, height, outHeight);
  if (height === outHeight) return horizontal(rgb, width, height, outWidth);
  if (verticalPassFirst(width, height, outWidth, outHeight)) {
    return horizontal(vertical(rgb, width, height, outHeight), width, outHeight, outWidth);
  }
  return vertical(horizontal(rgb, width, height, outWidth), outWidth, height, outHeight);
}

// RGBA bytes (a canvas's ImageData) -> RGB bytes.
export function rgbaToRgb(rgba) {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return rgb;
}

// RGB bytes (size x size) -> 1 x 3 x size x size float32 in [-1, 1], as image_to_tensor (x / 127.5 - 1 in float32).
export function toTensor(rgb, size) {
  const plane = size * size;
  const tensor = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) tensor[c * plane + i] = Math.fround(Math.fround(rgb[i * 3 + c] / 127.5) - 1.0);
  }
  return tensor;
}

function roundHalfEven(value) {
  const floor = Math.floor(value), rest = value - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

// 3 x H x W float32 in [-1, 1] -> RGB bytes, as tensor_to_uint8: ((clamp(x, -1, 1) + 1) * 127.5).round().
export function toRgb(output, width, height) {
  const plane = width * height;
  const rgb = new Uint8Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const x = Math.min(Math.max(output[c * plane + i], -1.0), 1.0);
      rgb[i * 3 + c] = roundHalfEven(Math.fround(Math.fround(x + 1.0) * 127.5));
    }
  }
  return rgb;
}

// RGB bytes -> RGBA bytes (opaque), for a canvas.
export function rgbToRgba(rgb) {
  const rgba = new Uint8ClampedArray((rgb.length / 3) * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgba[j] = rgb[i];
    rgba[j + 1] = rgb[i + 1];
    rgba[j + 2] = rgb[i + 2];
    rgba[j + 3] = 255;
  }
  return rgba;
}

// The header's size against the limits (core/limits.json), before any pixel is decoded: a message, or null.
export function tooLarge(width, height, limits) {
  if (width > limits.max_image_side || height > limits.max_image_side) {
    return `the photo is ${width} x ${height} pixels: a side may be at most ${limits.max_image_side}`;
  }
  if (width * height > limits.max_image_pixels) {
    return `the photo is ${width} x ${height} pixels: at most ${limits.max_image_pixels} pixels`;
  }
  return null;
}
