package dev.vitforge.models.card;

/**
 * Where a card's weights come from: a safetensors file (path relative to the card) or
 * {@code synthetic:SEED}. Sealed so that resolvers must handle both with a switch the compiler checks.
 */
public sealed interface WeightsSource permits WeightsSource.File, WeightsSource.Synthetic {

    String PREFIX = "synthetic:";

    /** The card's spelling, e.g. {@code "synthetic:1"} or {@code "deit.safetensors"}. */
    String spelling();

    /** A safetensors file, relative to the card's directory unless absolute. */
    record File(String path) implements WeightsSource {
        public File {
            if (path == null || path.isBlank()) {
                throw new IllegalArgumentException("weights must name a file or synthetic:SEED, got an empty string");
            }
        }

        @Override
        public String spelling() {
            return path;
        }
    }

    /** Deterministic generated weights (see the weights package's SyntheticWeights). */
    record Synthetic(long seed) implements WeightsSource {
        @Override
        public String spelling() {
            return PREFIX + seed;
        }
    }

    /** Parses the card's {@code weights} string; anything starting with {@code synthetic:} must carry a long seed. */
    static WeightsSource parse(String spelling) {
        if (spelling.startsWith(PREFIX)) {
            String seed = spelling.substring(PREFIX.length());
            try {
                return new Synthetic(Long.parseLong(seed));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("weights \"" + spelling + "\": the seed after synthetic: must be an"
                        + " integer (a 64-bit long)");
            }
        }
        return new File(spelling);
    }
}
