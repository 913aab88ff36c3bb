package dev.vitforge.hwgen.ir;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Which bits of which signals an expression or a module reads; the checks and the emitter share it. */
public final class Reads {
    private Reads() {}

    /** A read of bits {@code [hi:lo]} of a signal. */
    public record Use(Signal signal, int hi, int lo) {}

    public static List<Use> of(Expr e) {
        List<Use> uses = new ArrayList<>();
        visit(e, uses::add);
        return uses;
    }

    public static void visit(Expr e, Consumer<Use> sink) {
        if (e instanceof Expr.Ref r) {
            sink.accept(new Use(r.signal(), r.width() - 1, 0));
        } else if (e instanceof Expr.Unary u) {
            visit(u.a(), sink);
        } else if (e instanceof Expr.Binary b) {
            visit(b.a(), sink);
            visit(b.b(), sink);
        } else if (e instanceof Expr.Compare c) {
            visit(c.a(), sink);
            visit(c.b(), sink);
        } else if (e instanceof Expr.Mux m) {
            visit(m.select(), sink);
            visit(m.whenTrue(), sink);
            visit(m.whenFalse(), sink);
        } else if (e instanceof Expr.Slice s) {
            if (s.a() instanceof Expr.Ref r) {
                sink.accept(new Use(r.signal(), s.hi(), s.lo()));
            } else {
                visit(s.a(), sink);
            }
        } else if (e instanceof Expr.Concat c) {
            c.parts().forEach(p -> visit(p, sink));
        } else if (e instanceof Expr.Resize r) {
            if (r.width() < r.a().width() && r.a() instanceof Expr.Ref ref) {
                sink.accept(new Use(ref.signal(), r.width() - 1, 0));
            } else {
                visit(r.a(), sink);
            }
        } else if (e instanceof Expr.Cast c) {
            visit(c.a(), sink);
        }
    }

    /** Every expression a module evaluates, in declaration order. */
    public static List<Expr> expressions(Module m) {
        List<Expr> all = new ArrayList<>();
        for (Module.Assign a : m.assigns()) {
            for (Module.Branch b : a.branches()) {
                all.add(b.condition());
                all.add(b.value());
            }
            if (a.otherwise() != null) {
                all.add(a.otherwise());
            }
        }
        for (Module.Register r : m.registers()) {
            if (r.next() != null) {
                all.add(r.next());
            }
            if (r.enable() != null) {
                all.add(r.enable());
            }
        }
        for (Module.Memory mem : m.memories()) {
            for (Module.WritePort w : mem.writes()) {
                all.add(w.enable());
                all.add(w.address());
                all.add(w.data());
            }
            for (Module.ReadPort r : mem.reads()) {
                all.add(r.enable());
                all.add(r.address());
            }
        }
        for (Module.Instance i : m.instances()) {
            all.addAll(i.inputs().values());
        }
        return all;
    }
}
