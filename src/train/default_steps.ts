/**
 * The default number of optimiser steps of a training run, in a module of its own (no
 * imports) so that the transport can check a Train's steps against the server's limit
 * without loading the training code (and onnxruntime) into its bundle.
 *
 * @module
 */

/** Optimiser steps of a run that names none (`DEFAULT_TRAIN_CONFIG.steps`). */
export const DEFAULT_TRAIN_STEPS = 1000;
