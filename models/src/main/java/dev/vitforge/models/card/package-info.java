/**
 * Model cards (SEMANTICS.md): the JSON that names a pruned ViT's geometry, its weights, its
 * block pruning and its token selectors. This package's one job is to turn a card file into a
 * {@link dev.vitforge.models.card.ModelCard} whose fields are all valid together, and back:
 * reading is strict (unknown, duplicate, missing or mistyped fields are errors, never ignored)
 * and every error is one line naming the card file. It reads no weights; resolving a card into
 * tensors and masks is the job of {@code dev.vitforge.models.weights}.
 */
package dev.vitforge.models.card;
