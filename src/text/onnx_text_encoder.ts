/**
 * CLIP text encoder run from a user-supplied ONNX model: labels → CLIP BPE tokens
 * (B×77) → model → B×D embeddings → L2-normalised rows.
 *
 * Model contract: one integer input of shape B×77 (int64, or int32 — detected on the
 * first run), optionally a second input named `attention_mask` (same type and shape,
 * 1 up to and including EOT, 0 after; Hugging Face exports have it), and an output of
 * shape B×D (`text_embeds` when present, else the first output). Padding is token 0,
 * as in OpenAI CLIP (which pools at the EOT position, found by argmax of the ids).
 *
 * Exporting a CLIP text tower to ONNX (Python, once; e.g. ViT-B/32 → D = 512):
 *
 * ```python
 * import torch, clip                        # github.com/openai/CLIP
 * model, _ = clip.load("ViT-B/32", device="cpu")
 * class TextTower(torch.nn.Module):
 *     def __init__(self, m): super().__init__(); self.m = m
 *     def forward(self, input_ids): return self.m.encode_text(input_ids)
 * ids = clip.tokenize(["a chair in a scene"])          # int64 1×77
 * torch.onnx.export(TextTower(model).eval(), (ids,), "clip_text.onnx",
 *     input_names=["input_ids"], output_names=["text_embeds"],
 *     dynamic_axes={"input_ids": {0: "B"}, "text_embeds": {0: "B"}}, opset_version=17)
 * ```
 *
 * With Hugging Face `transformers`: `CLIPTextModelWithProjection.from_pretrained(
 * "openai/clip-vit-base-patch32")`, wrapped so that `forward(input_ids, attention_mask)`
 * returns `.text_embeds`, exported the same way (inputs `input_ids`, `attention_mask`).
 * The text embeddings must come from the same CLIP as the 2D features the model was
 * trained on (e.g. OpenSeg/LSeg use their own CLIP variant).
 *
 * @module
 */

import { GeoError, invalid, quote } from "../kernels/errors.ts";
import {
  createSession,
  type Session,
  type SessionOptions,
  type TensorData,
} from "../onnx/session.ts";
import { CLIP_CONTEXT_LENGTH, CLIP_EOT, ClipTokenizer } from "./clip_tokenizer.ts";
import {
  applyTemplate,
  checkLabels,
  type EncodeOptions,
  normalizeRows,
  type TextEncoder,
} from "./text_encoder.ts";

/** Options of {@link OnnxTextEncoder.create}. */
export interface OnnxTextEncoderOptions {
  /** Encoder identifier with a version, e.g. `"clip-vit-b32@1"` (goes into cache keys). */
  id: string;
  /** Tokenizer (default: CLIP's, loaded from the shipped merges file). */
  tokenizer?: ClipTokenizer;
  /** Template used when a request gives none (default: the bare label). */
  defaultTemplate?: string;
  /** Token input name (default: the first input that is not `attention_mask`). */
  inputName?: string;
  /** Embedding output name (default `text_embeds` when present, else the first). */
  outputName?: string;
  /** Labels per model run (default 64). */
  batchSize?: number;
  /** onnxruntime session options (threads, provider). */
  session?: SessionOptions;
}

/** CLIP-style text encoder over an ONNX model; see the module doc for the contract. */
export class OnnxTextEncoder implements TextEncoder {
  /** Encoder identifier. */
  readonly id: string;
  /** Embedding width D, read from the model's output on a probe run. */
  readonly dim: number;
  readonly #session: Session;
  readonly #tokenizer: ClipTokenizer;
  readonly #options: OnnxTextEncoderOptions;
  readonly #input: string;
  readonly #output: string;
  #int32: boolean;

  private constructor(
    state: { session: Session; tokenizer: ClipTokenizer; dim: number; int32: boolean },
    options: OnnxTextEncoderOptions,
  ) {
    this.id = options.id;
    this.dim = state.dim;
    this.#session = state.session;
    this.#tokenizer = state.tokenizer;
    this.#int32 = state.int32;
    this.#options = options;
    this.#input = pickInput(state.session, options.inputName);
    this.#output = pickOutput(state.session, options.outputName);
  }

  /**
   * Loads the model and probes it once (one empty text) to learn D and the token type.
   *
   * @param model ONNX bytes or a file path
   * @throws GeoError invalid_argument when the model does not load or does not map
   *   B×77 tokens to B×D floats
   */
  static async create(
    model: Uint8Array | string,
    options: OnnxTextEncoderOptions,
  ): Promise<OnnxTextEncoder> {
    const session = await createSession(model, options.session);
    const tokenizer = options.tokenizer ?? await ClipTokenizer.load();
    const probe = { session, tokenizer, dim: 0, int32: false };
    const tokens = tokenizer.tokenize([""]);
    const input = pickInput(session, options.inputName);
    const output = pickOutput(session, options.outputName);
    let result: Record<string, TensorData>;
    try {
      result = await session.run(feeds(session, input, tokens, false), [output]);
    } catch (e) {
      probe.int32 = true;
      result = await session.run(feeds(session, input, tokens, true), [output]).catch(() => {
        throw e;
      });
    }
    probe.dim = embeddingWidth(result[output], 1, output);
    return new OnnxTextEncoder(probe, options);
  }

  /**
   * Embeds labels (template applied to each, then tokenized, truncated to 77 tokens).
   *
   * @returns Float32Array L×D, unit rows
   */
  async encode(labels: string[], options?: EncodeOptions): Promise<Float32Array> {
    checkLabels(labels);
    const template = options?.template || this.#options.defaultTemplate;
    const texts = labels.map((label) => applyTemplate(label, template));
    const batch = Math.max(1, this.#options.batchSize ?? 64);
    const out = new Float32Array(labels.length * this.dim);
    for (let start = 0; start < texts.length; start += batch) {
      const chunk = texts.slice(start, start + batch);
      const tokens = this.#tokenizer.tokenize(chunk);
      const result = await this.#session.run(
        feeds(this.#session, this.#input, tokens, this.#int32),
        [this.#output],
      );
      const t = result[this.#output];
      if (embeddingWidth(t, chunk.length, this.#output) !== this.dim) {
        throw new GeoError("internal", `Text model ${this.id} changed its output width`);
      }
      for (let i = 0; i < t.data.length; i++) out[start * this.dim + i] = Number(t.data[i]);
    }
    return normalizeRows(out, this.dim, (i) => `label ${quote(labels[i])}`);
  }

  /** Frees the ONNX session. */
  release(): Promise<void> {
    return this.#session.release();
  }
}

function pickInput(session: Session, name?: string): string {
  const chosen = name ?? session.inputNames.find((n) => n !== "attention_mask");
  if (!chosen || !session.inputNames.includes(chosen)) {
    throw invalid(
      `Text model has no token input ${JSON.stringify(name ?? "")} (inputs: ` +
        `${session.inputNames.join(", ")})`,
    );
  }
  return chosen;
}

function pickOutput(session: Session, name?: string): string {
  const chosen = name ??
    (session.outputNames.includes("text_embeds") ? "text_embeds" : session.outputNames[0]);
  if (!chosen || !session.outputNames.includes(chosen)) {
    throw invalid(
      `Text model has no output ${JSON.stringify(name ?? "")} (outputs: ` +
        `${session.outputNames.join(", ")})`,
    );
  }
  return chosen;
}

/** Feeds for B×77 tokens (Int32Array B·77), plus an attention mask when the model has one. */
function feeds(
  session: Session,
  input: string,
  tokens: Int32Array,
  int32: boolean,
): Record<string, TensorData> {
  const dims = [tokens.length / CLIP_CONTEXT_LENGTH, CLIP_CONTEXT_LENGTH];
  const typed = (v: Int32Array): TensorData =>
    int32
      ? { data: v, dims, type: "int32" }
      : { data: BigInt64Array.from(v, (x) => BigInt(x)), dims, type: "int64" };
  const out: Record<string, TensorData> = { [input]: typed(tokens) };
  if (session.inputNames.includes("attention_mask") && input !== "attention_mask") {
    const mask = new Int32Array(tokens.length);
    for (let r = 0; r < dims[0]; r++) {
      for (let c = 0; c < CLIP_CONTEXT_LENGTH; c++) {
        mask[r * CLIP_CONTEXT_LENGTH + c] = 1;
        if (tokens[r * CLIP_CONTEXT_LENGTH + c] === CLIP_EOT) break;
      }
    }
    out.attention_mask = typed(mask);
  }
  return out;
}

/** D of a B×D float output; throws when the shape or type is not that. */
function embeddingWidth(t: TensorData | undefined, batch: number, name: string): number {
  const ok = t && t.dims.length === 2 && t.dims[0] === batch && t.dims[1] > 0 &&
    (t.data instanceof Float32Array || t.data instanceof Float64Array);
  if (!ok) {
    const got = t ? `${t.type ?? "?"} [${t.dims.join("×")}]` : "nothing";
    throw invalid(`Text model output ${name} must be float B×D with B = ${batch}; got ${got}`);
  }
  return t.dims[1];
}
