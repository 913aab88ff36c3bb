package dev.vitforge.host.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vitforge.hwgen.ir.Design;
import dev.vitforge.models.card.Architecture;
import dev.vitforge.sim.tools.Lint;

/** The selector unit's kernels at the sizes of the DeiT cards (what generate emits) are lint-clean. */
class SelectorUnitDesignsTest {

    @ParameterizedTest(name = "D {0}, H {1}")
    @CsvSource({"192, 3", "768, 12"})
    void kernelsAtDeitSizesAreLintClean(int dim, int heads) {
        SelectorUnit.Sizes sizes = SelectorUnit.Sizes.of(new Architecture("deit", dim, 12, heads, 4.0, 16, 224, 3, 1000), 16);
        assertEquals(256, sizes.maxTokens(), "196 patch tokens round up to 256");
        List<Design> designs = sizes.designs();
        for (Design d : designs) {
            Path dir = Path.of("target", "work", d.top().name());
            assertEquals("", Lint.verilator(d, dir.resolve("lint")), d.top().name());
            assertEquals("", Lint.icarus(d, dir.resolve("icarus")), d.top().name());
        }
    }
}
