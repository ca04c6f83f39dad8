// onnxruntime-web's proxy mode (`env.wasm.proxy`) runs every session in a worker, so inference never blocks
// the page. It posts the model bytes and input tensors to that worker and lists their ArrayBuffers for
// transfer. ort-web hands onnxruntime-web views onto this app's WebAssembly memory, and a WebAssembly
// memory buffer can neither be transferred (postMessage throws) nor usefully cloned (it would copy the
// whole heap). So before a message leaves for a worker, every view onto that memory is replaced by a copy
// of exactly the bytes it shows, and the copy's buffer is what gets transferred.

const MARK = Symbol.for('simface.copyWasmViews');

/** @param {WebAssembly.Memory} memory the app's memory (wasm_bindgen::memory()) */
export function copyWasmViewsBeforePosting(memory) {
  const proto = Worker.prototype;
  if (proto.postMessage[MARK]) return;
  const original = proto.postMessage;
  const patched = function (message, options) {
    const heap = memory.buffer;
    const copies = [];
    const fix = (value, depth) => {
      if (ArrayBuffer.isView(value)) {
        if (value.buffer !== heap || value instanceof DataView) return value;
        const copy = value.slice();
        copies.push(copy.buffer);
        return copy;
      }
      if (depth > 6 || value === null || typeof value !== 'object' || value instanceof ArrayBuffer) return value;
      if (Array.isArray(value)) {
        let out = value;
        value.forEach((v, i) => {
          const f = fix(v, depth + 1);
          if (f !== v) {
            if (out === value) out = value.slice();
            out[i] = f;
          }
        });
        return out;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return value;
      let out = value;
      for (const [k, v] of Object.entries(value)) {
        const f = fix(v, depth + 1);
        if (f !== v) {
          if (out === value) out = { ...value };
          out[k] = f;
        }
      }
      return out;
    };
    const fixed = fix(message, 0);
    if (fixed === message) return original.call(this, message, options);
    let transfer = Array.isArray(options) ? options : options?.transfer ?? [];
    transfer = transfer.filter((b) => b !== heap).concat(copies);
    return original.call(this, fixed, Array.isArray(options) || !options ? transfer : { ...options, transfer });
  };
  patched[MARK] = true;
  proto.postMessage = patched;
}
