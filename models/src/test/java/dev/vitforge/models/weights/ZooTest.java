package dev.vitforge.models.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vitforge.models.card.Architecture;
import dev.vitforge.models.card.ModelCard;
import dev.vitforge.models.card.ModelCards;
import dev.vitforge.models.card.Selector;
import dev.vitforge.models.card.WeightsSource;
import dev.vitforge.models.sparse.BlockMask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every card in models/zoo parses, round-trips and resolves into a model of the stated density. */
class ZooTest {

    static final Path ZOO = Path.of(System.getProperty("basedir", "."), "zoo");
    static final List<Selector> K70 = List.of(new Selector(3, 0.7), new Selector(6, 0.49), new Selector(9, 0.343));

    @Test
    void everyZooCardParsesAndRoundTrips() throws Exception {
        List<Path> cards;
        try (Stream<Path> s = Files.list(ZOO)) {
            cards = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertEquals(List.of("deit-base-b32-s45-k70.json", "deit-small-b16-s50.json", "deit-tiny-b16-s50-k70.json"),
                cards.stream().map(p -> p.getFileName().toString()).toList());
        for (Path p : cards) {
            ModelCard card = ModelCards.load(p);
            assertEquals(p.getFileName().toString(), card.name() + ".json", "file named after the card");
            assertEquals(card, ModelCards.parse(ModelCards.toJson(card), p.toString()));
        }
    }

    @Test
    void deitTinyAndSmallResolveFully() {
        check("deit-tiny-b16-s50-k70", new Architecture("deit", 192, 12, 3, 4.0, 16, 224, 3, 1000), 1, 16, 0.5, K70);
        check("deit-small-b16-s50", new Architecture("deit", 384, 12, 6, 4.0, 16, 224, 3, 1000), 2, 16, 0.5, List.of());
    }

    @Test
    void deitBaseResolvesFully() {
        check("deit-base-b32-s45-k70", new Architecture("deit", 768, 12, 12, 4.0, 16, 224, 3, 1000), 3, 32, 0.45, K70);
    }

    private static void check(String name, Architecture arch, long seed, int blockSize, double density,
                              List<Selector> selectors) {
        PrunedModel m = PrunedModels.load(ZOO.resolve(name + ".json"));
        assertEquals(name, m.name());
        assertEquals(arch, m.architecture());
        assertEquals(new WeightsSource.Synthetic(seed), m.card().weights());
        assertEquals(selectors, m.selectors());
        assertEquals(blockSize, m.blockSize());
        assertEquals(48, m.masks().size());
        for (BlockMask mask : m.masks().values()) {
            assertEquals(Math.round(density * mask.rows() * mask.cols()), mask.nonzeroBlocks());
        }
        assertEquals(DeitLayout.expectedShapes(arch, selectors).keySet(), m.weights().names());
    }
}
