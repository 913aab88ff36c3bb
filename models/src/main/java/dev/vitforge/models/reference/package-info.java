/**
 * The float reference of a pruned ViT: this package's one job is to compute exactly what
 * SEMANTICS.md says the model computes (patch embedding, blocks, token selectors with the package
 * token, head), in double precision with float32 in and out, so the integer reference and the
 * hardware have a ground truth to be measured against.
 */
package dev.vitforge.models.reference;
