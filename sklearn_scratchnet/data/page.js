"use strict";
// sklearn-scratchnet's "draw a digit" page: the note's forward pass on a drawn
// digit, offline. Three parts: the network, the drawing's preprocessing (as
// `scratchnet predict` does it) and the page around them. The functions for
// scripts are window.scratchnet (see the end of this file).

// ===================================================== 1. The note's network

const MODEL = JSON.parse(document.getElementById("scratchnet-model").textContent);

/** The float32 values (little-endian) held by base64 text. */
function float32s(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  const values = new Float32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(4 * i, true);
  return values;
}

const n = MODEL.n_features; // 784 pixels: A0, one image as a column
const h = MODEL.hidden_size; // hidden units
const k = MODEL.n_outputs; // output units: one per class, 1 for two classes
const W1 = float32s(MODEL.W1); // (h x n), row by row
const b1 = float32s(MODEL.b1); // (h)
const W2 = float32s(MODEL.W2); // (k x h), row by row
const b2 = float32s(MODEL.b2); // (k)

const sigma = (z) => 1 / (1 + Math.exp(-z)); // the logistic sigmoid
const ACTIVATIONS = {
  relu: (z) => Math.max(z, 0),
  tanh: Math.tanh,
  logistic: sigma,
  identity: (z) => z,
};
const g = ACTIVATIONS[MODEL.activation]; // the hidden activation

/** Row `row` of the matrix W (`length` columns) times the vector v. */
function dot(W, row, v, length) {
  let sum = 0;
  for (let i = 0, start = row * length; i < length; i++) sum += W[start + i] * v[i];
  return sum;
}

/** Column-wise softmax of one column: exp(z - max z) / sum(exp(z - max z)). */
function softmax(Z) {
  const top = Math.max(...Z);
  const E = Array.from(Z, (z) => Math.exp(z - top));
  const total = E.reduce((a, b) => a + b, 0);
  return E.map((e) => e / total);
}

/** The note's forward pass on one image x (its 784 pixels / 255, the note's A0). */
function forward(x) {
  const Z1 = new Float64Array(h);
  const A1 = new Float64Array(h);
  const Z2 = new Float64Array(k);
  for (let j = 0; j < h; j++) {
    Z1[j] = dot(W1, j, x, n) + b1[j];    // Z1 = W1 . A0 + b1
    A1[j] = g(Z1[j]);                    // A1 = g(Z1)
  }
  for (let c = 0; c < k; c++) {
    Z2[c] = dot(W2, c, A1, h) + b2[c];   // Z2 = W2 . A1 + b2
  }
  const A2 = k === 1
    ? [sigma(-Z2[0]), sigma(Z2[0])]      // A2 = sigma(Z2) = p, as [1 - p, p]
    : softmax(Z2);                       // A2 = softmax(Z2)
  return { Z1, A1, Z2, A2 };
}

/** The class probabilities of one image: 784 grey levels 0-255, row by row,
 * white digit on black (MNIST's own pixels), as predict_proba on pixels / 255. */
function predictProba(pixels) {
  if (pixels.length !== n) {
    throw new RangeError(`predictProba takes ${n} grey levels; got ${pixels.length}.`);
  }
  return forward(Float64Array.from(pixels, (v) => v / 255)).A2; // A0 = X / 255
}

// ============================== 2. A drawing -> the 28 x 28 image the model sees
// sklearn_scratchnet.images.preprocess_digit, step by step, for a drawing:
// dark ink on a white background (which that function finds to be exactly
// white, so that the ink is 1 - the blurred image). Images are
// {width, height, data} with one value per pixel, row by row.

const IMAGE_SIZE = 28; // MNIST's side
const DIGIT_BOX = 20; // the digit is scaled to fit 20 x 20 pixels...
const CENTRE = 14; // ...and its centre of mass put at pixel (14, 14)
const WORKING_SIDE = 600; // larger drawings are averaged down to this side
const MIN_CONTRAST = 0.1; // less ink than this is a blank drawing
const MIN_REGION = 0.1; // ink regions below this share of the largest: specks
const THIN = 1.8; // strokes thinner than this once scaled are thickened...
const THICK = 5.0; // ...thicker than this thinned
const FULL_INK = 0.9; // ink at this share of the strongest near it is full
const EDGE = 0.2; // fainter ink does not count in the digit's size

const image = (width, height, data) => ({ width, height, data });

/** Python's round(): halves to the even neighbour. */
function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The largest of many numbers (Math.max(...values) overflows the stack). */
function maxOf(values) {
  let most = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > most) most = values[i];
  return most;
}

/** NumPy's sum: pairwise, in blocks of 8 (in float32 if asked), so that a
 * centre of mass half-way between two pixels rounds as NumPy rounds it. */
function numpySum(values, float32 = false, start = 0, length = values.length) {
  const add = float32 ? (a, b) => Math.fround(a + b) : (a, b) => a + b;
  if (length < 8) {
    let sum = 0;
    for (let i = start; i < start + length; i++) sum = add(sum, values[i]);
    return sum;
  }
  if (length > 128) {
    const half = (length >> 1) - ((length >> 1) % 8);
    return add(
      numpySum(values, float32, start, half),
      numpySum(values, float32, start + half, length - half),
    );
  }
  const r = Array.from(values.slice(start, start + 8));
  let i = 8;
  for (; i < length - (length % 8); i += 8) {
    for (let j = 0; j < 8; j++) r[j] = add(r[j], values[start + i + j]);
  }
  let sum = add(add(add(r[0], r[1]), add(r[2], r[3])), add(add(r[4], r[5]), add(r[6], r[7])));
  for (; i < length; i++) sum = add(sum, values[start + i]);
  return sum;
}

/** NumPy's median of an array of numbers. */
function median(values) {
  const a = Float64Array.from(values);
  const middle = a.length >> 1;
  const upper = select(a, middle);
  if (a.length % 2) return upper;
  return (maxOf(a.subarray(0, middle)) + upper) / 2; // select left the smaller first
}

/** Hoare's quickselect: reorders `a` so that a[k] is its k-th smallest value,
 * with no larger value before it; returns a[k]. */
function select(a, k) {
  let [low, high] = [0, a.length - 1];
  while (low < high) {
    const pivot = a[(low + high) >> 1];
    let i = low;
    let j = high;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const swap = a[i];
        a[i++] = a[j];
        a[j--] = swap;
      }
    }
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else break;
  }
  return a[k];
}

/** The image averaged over blocks so that its longer side is about `side`. */
function shrink(im, side) {
  const factor = Math.min(
    Math.ceil(Math.max(im.width, im.height) / side),
    Math.min(im.width, im.height),
  );
  if (factor <= 1) return im;
  const width = Math.floor(im.width / factor);
  const height = Math.floor(im.height / factor);
  const data = new Float32Array(width * height);
  for (let y = 0; y < height * factor; y++) {
    for (let x = 0; x < width * factor; x++) {
      data[Math.floor(y / factor) * width + Math.floor(x / factor)] +=
        im.data[y * im.width + x] / (factor * factor);
    }
  }
  return image(width, height, data);
}

/** The index `i` reflected into 0..size-1 as SciPy's mode="reflect" does. */
function reflect(i, size) {
  while (i < 0 || i >= size) i = i < 0 ? -i - 1 : 2 * size - i - 1;
  return i;
}

/** scipy.ndimage.gaussian_filter (float32, truncated at 4 sigma, reflected). */
function gaussianFilter(im, sd) {
  const radius = Math.trunc(4 * sd + 0.5);
  const weights = [];
  for (let x = -radius; x <= radius; x++) weights.push(Math.exp((-0.5 / (sd * sd)) * (x * x)));
  const total = numpySum(weights);
  const w = weights.map((v) => v / total);
  // Along each line of `count` values `step` apart; the lines start `next` apart.
  const pass = (source, count, step, lines, next) => {
    const out = new Float32Array(source.length); // rounded to float32, as SciPy's
    const padded = new Float64Array(count + 2 * radius); // the line, ends reflected
    for (let line = 0; line < lines; line++) {
      const at = line * next;
      for (let a = -radius; a < count + radius; a++) {
        padded[a + radius] = source[at + reflect(a, count) * step];
      }
      for (let a = 0; a < count; a++) {
        const centre = a + radius;
        let sum = padded[centre] * w[radius];
        for (let j = radius; j > 0; j--) {
          sum += (padded[centre - j] + padded[centre + j]) * w[radius - j];
        }
        out[at + a * step] = sum;
      }
    }
    return out;
  };
  // Down the columns first, then along the rows, as SciPy does.
  const columns = pass(im.data, im.height, im.width, im.width, 1);
  return image(im.width, im.height, pass(columns, im.width, 1, im.height, im.width));
}

/** Otsu's threshold of `values` on NumPy's 256-bin histogram. */
function otsuThreshold(values) {
  const bins = 256;
  let low = Infinity;
  let high = -Infinity;
  for (let p = 0; p < values.length; p++) {
    low = Math.min(low, values[p]);
    high = Math.max(high, values[p]);
  }
  if (low === high) [low, high] = [low - 0.5, high + 0.5];
  const step = (high - low) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * step + low);
  edges[bins] = high;
  const counts = new Float64Array(bins);
  const norm = bins / (high - low);
  for (let p = 0; p < values.length; p++) {
    const v = values[p];
    let i = Math.min(Math.trunc((v - low) * norm), bins - 1);
    if (v < edges[i]) i--;
    else if (i < bins - 1 && v >= edges[i + 1]) i++;
    counts[i]++;
  }
  let best = -Infinity;
  let threshold = edges[1];
  let weightLow = 0;
  let massLow = 0;
  let massAll = 0;
  for (let i = 0; i < bins; i++) massAll += counts[i] * ((edges[i] + edges[i + 1]) / 2);
  for (let i = 0; i < bins - 1; i++) {
    weightLow += counts[i];
    massLow += counts[i] * ((edges[i] + edges[i + 1]) / 2);
    const weightHigh = values.length - weightLow;
    const meanLow = massLow / Math.max(weightLow, 1);
    const meanHigh = (massAll - massLow) / Math.max(weightHigh, 1);
    const between = weightLow * weightHigh * (meanLow - meanHigh) ** 2;
    if (between > best) [best, threshold] = [between, edges[i + 1]];
  }
  return threshold;
}

/** Sizes of the 8-connected regions of `mask`, and each pixel's region (0: none). */
function regions(mask, width, height) {
  const label = new Int32Array(mask.length);
  const sizes = [0];
  const stack = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || label[start]) continue;
    const region = sizes.length;
    let size = 0;
    label[start] = region;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop();
      size++;
      const x = p % width;
      const y = (p - x) / width;
      for (let ny = Math.max(y - 1, 0); ny <= Math.min(y + 1, height - 1); ny++) {
        for (let nx = Math.max(x - 1, 0); nx <= Math.min(x + 1, width - 1); nx++) {
          const q = ny * width + nx;
          if (mask[q] && !label[q]) {
            label[q] = region;
            stack.push(q);
          }
        }
      }
    }
    sizes.push(size);
  }
  return { sizes, label };
}

/** The digit's pixels: ink above Otsu's threshold, in the largest regions;
 * null for a blank drawing. */
function inkMask(ink) {
  const values = ink.data;
  if (maxOf(values) < MIN_CONTRAST) return null;
  const centre = median(values);
  const deviations = new Float64Array(values.length);
  for (let p = 0; p < values.length; p++) deviations[p] = Math.abs(values[p] - centre);
  const noise = 1.4826 * median(deviations);
  const threshold = Math.max(otsuThreshold(values), centre + 5 * noise, MIN_CONTRAST / 2);
  const above = new Uint8Array(values.length);
  for (let p = 0; p < values.length; p++) above[p] = values[p] > threshold;
  const { sizes, label } = regions(above, ink.width, ink.height);
  const largest = maxOf(sizes);
  if (largest === 0) return null;
  const mask = new Uint8Array(values.length);
  const kept = [];
  for (let p = 0; p < mask.length; p++) {
    if (label[p] && sizes[label[p]] >= MIN_REGION * largest) {
      mask[p] = 1;
      kept.push(values[p]);
    }
  }
  // The 90th percentile, interpolated between the two nearest values.
  const at = 0.9 * (kept.length - 1);
  const sorted = Float64Array.from(kept);
  const lower = select(sorted, Math.floor(at));
  const upper = Math.floor(at) < at ? -maxOf(sorted.subarray(Math.floor(at) + 1).map((v) => -v)) : lower;
  const p90 = lower + (upper - lower) * (at - Math.floor(at));
  return p90 < MIN_CONTRAST ? null : image(ink.width, ink.height, mask);
}

/** The bounding box {top, left, bottom, right} (exclusive ends) of im > level. */
function boundingBox(im, level) {
  const box = { top: im.height, left: im.width, bottom: 0, right: 0 };
  for (let y = 0; y < im.height; y++) {
    for (let x = 0; x < im.width; x++) {
      if (im.data[y * im.width + x] > level) {
        box.top = Math.min(box.top, y);
        box.bottom = Math.max(box.bottom, y + 1);
        box.left = Math.min(box.left, x);
        box.right = Math.max(box.right, x + 1);
      }
    }
  }
  return box;
}

const boxSide = (box) => Math.max(box.bottom - box.top, box.right - box.left);

function crop(im, box) {
  const width = box.right - box.left;
  const height = box.bottom - box.top;
  const data = new im.data.constructor(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[y * width + x] = im.data[(y + box.top) * im.width + x + box.left];
    }
  }
  return image(width, height, data);
}

/** The half-widths of a disk's rows: reach[|dy|] for the row dy from its centre. */
function diskReach(radius) {
  const reach = [];
  for (let dy = 0, dx = radius; dy <= radius; dy++) {
    while (dx * dx + dy * dy > radius * radius) dx--;
    reach.push(dx);
  }
  return reach;
}

/** The largest (`better` = (a, b) => a > b) or smallest value of each window
 * [i - before, i + after], clipped to its line, along lines of `count` values
 * `step` apart that start `next` apart: a sliding extreme, O(1) per value. */
function slidingExtreme(source, count, step, lines, next, before, after, better) {
  const out = new Float64Array(source.length);
  const queue = new Int32Array(count); // queue[head..tail): ever less good values
  for (let line = 0; line < lines; line++) {
    const at = line * next;
    let [head, tail, ahead] = [0, 0, 0];
    for (let i = 0; i < count; i++) {
      for (; ahead <= Math.min(i + after, count - 1); ahead++) {
        const value = source[at + ahead * step];
        while (tail > head && !better(source[at + queue[tail - 1] * step], value)) tail--;
        queue[tail++] = ahead;
      }
      while (queue[head] < i - before) head++;
      out[at + i * step] = source[at + queue[head] * step];
    }
  }
  return out;
}

/** The maximum (or minimum) of `im` over a disk around each pixel: SciPy's
 * grey_dilation (grey_erosion) with a disk footprint, row by row of the disk. */
function diskFilter(im, radius, better) {
  const { width, height } = im;
  const reach = diskReach(radius);
  const rows = reach.map((r) => slidingExtreme(im.data, width, 1, height, width, r, r, better));
  const data = Float64Array.from(im.data);
  for (let y = 0; y < height; y++) {
    for (let dy = -radius; dy <= radius; dy++) {
      const ny = y + dy;
      if (ny < 0 || ny >= height) continue;
      const row = rows[Math.abs(dy)];
      for (let x = 0; x < width; x++) {
        const value = row[ny * width + x];
        if (better(value, data[y * width + x])) data[y * width + x] = value;
      }
    }
  }
  return image(width, height, data);
}

/** The mask grown by a disk (SciPy's binary_dilation): a pixel is in it if
 * some mask pixel dy rows away is at most sqrt(radius^2 - dy^2) columns away. */
function dilate(mask, radius) {
  const { width, height } = mask;
  // Each pixel's distance along its row to the nearest mask pixel.
  const distance = new Float64Array(mask.data.length).fill(Infinity);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0, last = -Infinity; x < width; x++) {
      if (mask.data[row + x]) last = x;
      distance[row + x] = x - last;
    }
    for (let x = width - 1, next = Infinity; x >= 0; x--) {
      if (mask.data[row + x]) next = x;
      distance[row + x] = Math.min(distance[row + x], next - x);
    }
  }
  const reach = diskReach(radius);
  const data = new Uint8Array(mask.data.length);
  const box = boundingBox(mask, 0); // nothing grows further than radius from it
  for (let y = Math.max(box.top - radius, 0); y < Math.min(box.bottom + radius, height); y++) {
    for (let x = Math.max(box.left - radius, 0); x < Math.min(box.right + radius, width); x++) {
      for (let dy = -radius; dy <= radius; dy++) {
        const ny = y + dy;
        if (ny >= 0 && ny < height && distance[ny * width + x] <= reach[Math.abs(dy)]) {
          data[y * width + x] = 1;
          break;
        }
      }
    }
  }
  return image(width, height, data);
}

/** SciPy's maximum_filter with a size x size square: the maximum of each
 * window [i - size//2, i + size - 1 - size//2], along rows then columns. */
function maximumFilter(im, size) {
  const [before, after] = [size >> 1, size - 1 - (size >> 1)];
  const larger = (a, b) => a > b;
  const { width, height } = im;
  const rows = slidingExtreme(im.data, width, 1, height, width, before, after, larger);
  return image(width, height, slidingExtreme(rows, height, width, width, 1, before, after, larger));
}

/** The ink with its strokes thickened or thinned towards MNIST's width, if
 * once scaled by `scale` they would be far thinner or thicker. */
function matchStrokeWidth(ink, mask, scale) {
  let area = 0;
  let edge = 0;
  const { width, height } = mask;
  const inside = (x, y) => x >= 0 && x < width && y >= 0 && y < height && mask.data[y * width + x];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inside(x, y)) continue;
      area++;
      if (!(inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1))) edge++;
    }
  }
  // A stroke of length L and width w covers w L pixels, with 2 L on its edge.
  const strokeWidth = ((2 * area) / Math.max(edge, 1)) * scale;
  const radius = (wide, narrow) => Math.max(1, roundHalfEven((wide - narrow) / 2 / scale));
  if (strokeWidth < THIN) return diskFilter(ink, radius(THIN, strokeWidth), (a, b) => a > b);
  if (strokeWidth > THICK) return diskFilter(ink, radius(strokeWidth, THICK), (a, b) => a < b);
  return ink;
}

/** Pillow's Lanczos filter: a sinc windowed by a sinc three times wider. */
function lanczos(x) {
  const sinc = (t) => (t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t));
  return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

/** Pillow's coefficients for resizing `inSize` pixels to `outSize`: per output
 * pixel its first input pixel and the weights, in 22-bit fixed point. */
function lanczosCoefficients(inSize, outSize) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 3 * filterScale;
  const ss = 1 / filterScale;
  const result = [];
  for (let xx = 0; xx < outSize; xx++) {
    const centre = (xx + 0.5) * scale;
    const first = Math.max(Math.trunc(centre - support + 0.5), 0);
    const end = Math.min(Math.trunc(centre + support + 0.5), inSize);
    let weights = [];
    for (let x = first; x < end; x++) weights.push(lanczos((x - centre + 0.5) * ss));
    const total = weights.reduce((a, b) => a + b, 0);
    if (total !== 0) weights = weights.map((w) => w / total);
    const fixed = weights.map((w) => Math.trunc(w * 4194304 + (w < 0 ? -0.5 : 0.5)));
    result.push({ first, weights: fixed });
  }
  return result;
}

/** An 8-bit image resized as Pillow's Image.resize(size, LANCZOS): one pass
 * along the rows and one down the columns, each rounded to 8 bits. Pillow
 * resizes along the rows first, except (from Pillow 13) when the height
 * shrinks by more than twice as many pixels as the width: the page does as the
 * Pillow that exported it (MODEL.pillow_vertical_first). */
function resizeLanczos(im, width, height) {
  const pass = (source, inWidth, inHeight, outWidth, outHeight, alongRows) => {
    const coefficients = lanczosCoefficients(
      alongRows ? inWidth : inHeight,
      alongRows ? outWidth : outHeight,
    );
    const out = new Uint8Array(outWidth * outHeight);
    for (let y = 0; y < outHeight; y++) {
      for (let x = 0; x < outWidth; x++) {
        const { first, weights } = coefficients[alongRows ? x : y];
        let sum = 1 << 21; // a half, to round
        for (let t = 0; t < weights.length; t++) {
          const value = alongRows
            ? source[y * inWidth + first + t]
            : source[(first + t) * inWidth + x];
          sum += value * weights[t];
        }
        out[y * outWidth + x] = Math.min(Math.max(Math.floor(sum / 4194304), 0), 255);
      }
    }
    return out;
  };
  let data = im.data;
  const verticalFirst =
    MODEL.pillow_vertical_first && height < im.height && im.height - height > 2 * (im.width - width);
  if (verticalFirst) {
    data = pass(data, im.width, im.height, im.width, height, false);
    if (width !== im.width) data = pass(data, im.width, height, width, height, true);
    return image(width, height, data);
  }
  if (width !== im.width) data = pass(data, im.width, im.height, width, im.height, true);
  if (height !== im.height) data = pass(data, width, im.height, width, height, false);
  return image(width, height, data);
}

/** A drawing (grey levels 0-1 row by row, dark ink on white) turned into
 * the 28 x 28 digit the model takes (0 black to 1 white, row by row), as
 * images.preprocess_digit does; null if the drawing is blank. */
function preprocess(gray, width, height) {
  let im = shrink(image(width, height, Float32Array.from(gray)), WORKING_SIDE);
  const blur = Math.max(im.width, im.height) / 250;
  if (blur >= 0.5) im = gaussianFilter(im, blur);
  // Ink: how much darker than the (white) background each pixel is.
  const ink = image(im.width, im.height, new Float64Array(im.data.length));
  for (let p = 0; p < ink.data.length; p++) ink.data[p] = 1 - im.data[p];
  const mask = inkMask(ink);
  if (mask === null) return null;

  // Keep the ink's soft edges next to the kept regions, each stroke measured
  // against the strongest ink near it.
  let scale = DIGIT_BOX / boxSide(boundingBox(mask, 0));
  const near = dilate(mask, Math.max(1, roundHalfEven(0.5 / scale)));
  const masked = image(ink.width, ink.height, new Float64Array(ink.data.length));
  for (let p = 0; p < ink.data.length; p++) masked.data[p] = ink.data[p] * mask.data[p];
  const nearby = maximumFilter(masked, Math.max(3, roundHalfEven(4 / scale))).data;
  const strongest = maxOf(nearby);
  for (let p = 0; p < ink.data.length; p++) {
    const level = FULL_INK * Math.max(nearby[p], 0.1 * strongest);
    ink.data[p] = Math.min(Math.max((ink.data[p] * near.data[p]) / level, 0), 1);
  }

  // Cut the digit out, match its strokes to MNIST's width, scale it into
  // 20 x 20 (aspect ratio kept, antialiased).
  const box = boundingBox(ink, EDGE);
  scale = DIGIT_BOX / boxSide(box);
  const digitInk = matchStrokeWidth(crop(ink, box), crop(mask, box), scale);
  const bytes = Uint8Array.from(digitInk.data, (v) => roundHalfEven(v * 255));
  const patch8 = resizeLanczos(
    image(digitInk.width, digitInk.height, bytes),
    Math.max(1, roundHalfEven(digitInk.width * scale)),
    Math.max(1, roundHalfEven(digitInk.height * scale)),
  );
  const top8 = maxOf(patch8.data);
  const patch = Float32Array.from(patch8.data, (v) => Math.fround(v / 255) / Math.fround(top8 / 255));

  // Place the patch with its centre of mass on pixel (14, 14), inside the image.
  const { width: pw, height: ph } = patch8;
  const mass = numpySum(patch, true); // float32, as NumPy sums a float32 image
  const rowMass = numpySum(Float64Array.from(patch, (v, p) => v * Math.floor(p / pw)));
  const columnMass = numpySum(Float64Array.from(patch, (v, p) => v * (p % pw)));
  const clip = (v, most) => Math.min(Math.max(v, 0), most);
  const top = clip(roundHalfEven(CENTRE - rowMass / mass), IMAGE_SIZE - ph);
  const left = clip(roundHalfEven(CENTRE - columnMass / mass), IMAGE_SIZE - pw);
  const digit = new Float32Array(IMAGE_SIZE * IMAGE_SIZE);
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) digit[(top + y) * IMAGE_SIZE + left + x] = patch[y * pw + x];
  }
  return digit;
}

// ================================================================ 3. The page

const pad = document.getElementById("pad");
const padContext = pad.getContext("2d", { willReadFrequently: true });
const seen = document.getElementById("seen").getContext("2d");
const STROKE_WIDTH = pad.width / 13; // MNIST-like strokes once scaled into 20 x 20
const last = { pixels: null, proba: null, A1: null, milliseconds: null };

function clearPad() {
  padContext.fillStyle = "#fff";
  padContext.fillRect(0, 0, pad.width, pad.height);
  show(null);
}

/** The drawing's grey levels 0-1, as Pillow's convert("L") reads a PNG of it. */
function padGray() {
  const rgba = padContext.getImageData(0, 0, pad.width, pad.height).data;
  const gray = new Float32Array(pad.width * pad.height);
  for (let p = 0; p < gray.length; p++) {
    const [r, gr, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
    gray[p] = ((r * 19595 + gr * 38470 + b * 7471 + 0x8000) >> 16) / 255;
  }
  return gray;
}

/** Preprocess the drawing and run the network on it; show the result. */
function update() {
  const start = performance.now();
  const pixels = preprocess(padGray(), pad.width, pad.height);
  const prepared = performance.now();
  const result = pixels === null ? null : forward(pixels);
  const done = performance.now();
  last.milliseconds = { preprocess: prepared - start, forward: done - prepared };
  show(pixels, result);
}

const bars = document.getElementById("bars");
const answer = document.getElementById("answer");
const units = document.getElementById("hidden");
for (const label of MODEL.classes) {
  const row = document.createElement("li");
  row.innerHTML = '<span class="label"></span><span class="bar"><span></span></span><span class="value"></span>';
  row.querySelector(".label").textContent = label;
  bars.append(row);
}
for (let j = 0; j < h; j++) units.append(document.createElement("span"));

function show(pixels, result) {
  last.pixels = pixels;
  last.proba = result ? Array.from(result.A2) : null;
  last.A1 = result ? Array.from(result.A1) : null;
  const input = seen.createImageData(IMAGE_SIZE, IMAGE_SIZE);
  for (let p = 0; p < IMAGE_SIZE * IMAGE_SIZE; p++) {
    const level = pixels ? Math.round(pixels[p] * 255) : 0; // white digit on black
    input.data.set([level, level, level, 255], 4 * p);
  }
  seen.putImageData(input, 0, 0);
  const best = last.proba ? last.proba.indexOf(Math.max(...last.proba)) : -1;
  bars.querySelectorAll("li").forEach((row, c) => {
    const p = last.proba ? last.proba[c] : 0;
    row.querySelector(".bar span").style.width = `${(100 * p).toFixed(1)}%`;
    row.querySelector(".value").textContent = last.proba ? p.toFixed(3) : "";
    row.classList.toggle("best", c === best);
  });
  answer.querySelector(".digit").textContent = best >= 0 ? MODEL.classes[best] : "?";
  answer.querySelector(".probability").textContent =
    best >= 0 ? `probability ${last.proba[best].toFixed(3)}` : "draw a digit";
  const spread = last.A1 ? Math.max(maxOf(last.A1.map(Math.abs)), 1e-12) : 1;
  units.querySelectorAll("span").forEach((cell, j) => {
    const a = last.A1 ? last.A1[j] / spread : 0; // each unit's A1, scaled to [-1, 1]
    cell.style.background = a >= 0 ? `rgba(230, 120, 20, ${a})` : `rgba(30, 100, 220, ${-a})`;
    cell.title = last.A1 ? `unit ${j + 1}: A1 = ${last.A1[j].toFixed(3)}` : `unit ${j + 1}`;
  });
}

// Drawing with a mouse, a finger or a pen; the answer follows the stroke, at
// most once a frame, and once more when the stroke ends.
let drawing = null;
let pending = false;

function padPoint(event) {
  const rect = pad.getBoundingClientRect();
  return [
    ((event.clientX - rect.left) * pad.width) / rect.width,
    ((event.clientY - rect.top) * pad.height) / rect.height,
  ];
}

function strokeTo(point) {
  padContext.lineWidth = STROKE_WIDTH;
  padContext.lineCap = padContext.lineJoin = "round";
  padContext.strokeStyle = "#000";
  padContext.beginPath();
  padContext.moveTo(...drawing);
  padContext.lineTo(...point);
  padContext.stroke();
  drawing = point;
}

pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  try {
    pad.setPointerCapture(event.pointerId);
  } catch (_) {
    // a synthetic pointer has nothing to capture
  }
  drawing = padPoint(event);
  strokeTo(drawing);
});
pad.addEventListener("pointermove", (event) => {
  if (drawing === null) return;
  const coalesced = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
  for (const e of coalesced.length ? coalesced : [event]) strokeTo(padPoint(e));
  if (!pending) {
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      update();
    });
  }
});
for (const type of ["pointerup", "pointercancel"]) {
  pad.addEventListener(type, () => {
    if (drawing === null) return;
    drawing = null;
    update();
  });
}
document.getElementById("clear").addEventListener("click", clearPad);
document.addEventListener("keydown", (event) => {
  if (["Escape", "Delete", "Backspace"].includes(event.key)) {
    event.preventDefault();
    clearPad();
  }
});
clearPad();

// ============================================================ For scripts
window.scratchnet = {
  /** The model: {hidden_size, activation, classes, n_features, ...}. */
  model: MODEL,
  predictProba,
  forward,
  preprocess,
  /** Preprocess the drawing and run the network now: {pixels, proba, A1,
   * milliseconds} (pixels and proba null for a blank drawing). */
  read() {
    update();
    return { ...last };
  },
  clear: clearPad,
};
