/**
 * Model cards (SEMANTICS.md): the JSON that names a pruned ViT's geometry, its weights, its
 * block pruning and its token selectors, read strictly (unknown fields are errors).
 */
package dev.vitforge.models.card;
