/**
 * Label embeddings for one request: the client's own vectors when it sends them,
 * otherwise the model's text encoder (GloVe by default, a bundled CLIP-style ONNX
 * encoder for "clip-onnx") with the request's or the model's prompt template, cached
 * per (encoder, template, label).
 *
 * The GloVe table (≈ 120 MB resident; converted once into `.cache/` on first use) is
 * loaded once per process and shared by every model and every `LabelEmbedder`.
 *
 * @module
 */

import { GeoError, invalid } from "../kernels/errors.ts";
import type { SessionOptions } from "../onnx/session.ts";
import { embeddingsFromClient } from "../text/client_embeddings.ts";
import { loadGloveEncoder } from "../text/glove.ts";
import { GLOVE_SG_100D_ID } from "../text/glove_convert.ts";
import { OnnxTextEncoder } from "../text/onnx_text_encoder.ts";
import {
  cachedEncoder,
  checkLabels,
  checkTemplate,
  EmbeddingCache,
  type TextEncoder,
} from "../text/text_encoder.ts";
import {
  BUNDLE_FILES,
  CLIENT_EMBEDDINGS_ENCODER,
  CLIP_ONNX_ENCODER,
  type LoadedModel,
} from "../models/bundle.ts";
import type { LabelEmbeddingInput } from "./api.ts";
import { typedToBytes } from "../io/typed_bytes.ts";

let glove: Promise<TextEncoder> | undefined;

/**
 * The process-wide GloVe encoder (loaded on first call, converted into the cache first
 * when needed; a failed load is retried on the next call).
 *
 * @param log progress sink for a first-time conversion
 */
export function sharedGloveEncoder(log?: (line: string) => void): Promise<TextEncoder> {
  if (!glove) {
    glove = loadGloveEncoder({ log });
    glove.catch(() => (glove = undefined));
  }
  return glove;
}

/** What a request says about its labels. */
export interface LabelRequest {
  /** L labels, at least one. */
  readonly labels: readonly string[];
  /** Client-supplied embeddings; used instead of the text encoder when non-empty. */
  readonly labelEmbeddings?: readonly LabelEmbeddingInput[];
  /** Prompt template with one `{}`; "" or absent = the model's default. */
  readonly promptTemplate?: string;
}

/** Options of {@link LabelEmbedder}. */
export interface LabelEmbedderOptions {
  /** Rows kept in the embedding cache (default 4096). */
  cacheSize?: number;
  /** The GloVe encoder to use (default: the process-wide one, {@link sharedGloveEncoder}). */
  glove?: () => Promise<TextEncoder>;
  /** onnxruntime options of bundled text encoders. */
  session?: SessionOptions;
  /** Progress sink (GloVe conversion). */
  log?: (line: string) => void;
}

/** Chooses and caches label embeddings for loaded models. */
export class LabelEmbedder {
  readonly #cache: EmbeddingCache;
  readonly #glove: () => Promise<TextEncoder>;
  readonly #clip = new WeakMap<LoadedModel, Promise<TextEncoder>>();
  readonly #session?: SessionOptions;

  /** @param options see {@link LabelEmbedderOptions} */
  constructor(options: LabelEmbedderOptions = {}) {
    this.#cache = new EmbeddingCache(options.cacheSize ?? 4096);
    this.#glove = options.glove ?? (() => sharedGloveEncoder(options.log));
    this.#session = options.session;
  }

  /**
   * Float32Array L×C (C = the model's feature dim), unit rows, row i = labels[i].
   *
   * @throws GeoError invalid_argument for empty labels, a bad template, client vectors
   *   of the wrong width or missing labels, a label the encoder cannot embed, or a model
   *   that only takes client embeddings; failed_precondition when the model's text
   *   encoder is unknown or of the wrong width
   */
  async embed(model: LoadedModel, request: LabelRequest): Promise<Float32Array> {
    const labels = [...request.labels];
    checkLabels(labels);
    const dim = model.dims.dim;
    const given = request.labelEmbeddings ?? [];
    if (given.length > 0) {
      const widths = new Set(given.map((e) => e.vector.length));
      if (widths.size !== 1 || !widths.has(dim)) {
        throw invalid(
          `Label embeddings have ${[...widths].join("/")} values; model '${model.name}' ` +
            `v${model.version} expects ${dim} (its feature dimension)`,
        );
      }
      const entries = given.map((e) => ({ label: e.label, vector: typedToBytes(e.vector) }));
      return embeddingsFromClient(entries, labels, dim);
    }
    const template = request.promptTemplate || model.promptTemplate;
    checkTemplate(template);
    const encoder = await this.encoderFor(model);
    return await encoder.encode(labels, { template });
  }

  /** The (cached) text encoder of `model`. */
  async encoderFor(model: LoadedModel): Promise<TextEncoder> {
    const te = model.manifest.text_encoder;
    const name = te.name;
    let encoder: TextEncoder;
    if (name === GLOVE_SG_100D_ID) {
      encoder = await this.#glove();
    } else if (name === CLIP_ONNX_ENCODER) {
      let p = this.#clip.get(model);
      if (!p) {
        p = OnnxTextEncoder.create(model.files.file(te.file ?? BUNDLE_FILES.textEncoderOnnx), {
          id: `${CLIP_ONNX_ENCODER}:${model.name}@${model.version}`,
          defaultTemplate: model.promptTemplate,
          inputName: te.input,
          outputName: te.output,
          session: this.#session,
        });
        p.catch(() => this.#clip.delete(model));
        this.#clip.set(model, p);
      }
      encoder = await p;
    } else if (name === CLIENT_EMBEDDINGS_ENCODER) {
      throw invalid(
        `Model '${model.name}' has no text encoder: send label_embeddings (${model.dims.dim} floats per label)`,
      );
    } else {
      throw new GeoError(
        "failed_precondition",
        `Model '${model.name}' names an unknown text encoder '${name}'`,
      );
    }
    if (encoder.dim !== model.dims.dim) {
      throw new GeoError(
        "failed_precondition",
        `Model '${model.name}' v${model.version} has feature dim ${model.dims.dim} but its text ` +
          `encoder ${encoder.id} gives ${encoder.dim}`,
      );
    }
    return cachedEncoder(encoder, this.#cache);
  }
}
