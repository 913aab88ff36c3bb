package dev.vitforge.sim.tb;

import dev.vitforge.sim.verilator.SimInstance;

/**
 * An AXI4-Lite master on ports {@code <prefix>_aw*, _w*, _b*, _ar*, _r*}, one transaction at a
 * time, cycle by cycle. Handshakes are sampled after the inputs settle and before the clock
 * edge, exactly as the slave sees them. Register traffic is rare, so per-cycle calls are fine.
 */
public final class AxiLiteMaster {
    private final SimInstance sim;
    private final String p;
    private final int timeout;

    public AxiLiteMaster(SimInstance sim, String prefix, int timeoutCycles) {
        this.sim = sim;
        this.p = prefix + "_";
        this.timeout = timeoutCycles;
        sim.poke(p + "awvalid", 0);
        sim.poke(p + "wvalid", 0);
        sim.poke(p + "bready", 0);
        sim.poke(p + "arvalid", 0);
        sim.poke(p + "rready", 0);
    }

    /** Writes a full word; returns BRESP. */
    public int write(int address, int data) {
        sim.poke(p + "awaddr", address);
        sim.poke(p + "awvalid", 1);
        sim.poke(p + "wdata", Integer.toUnsignedLong(data));
        sim.poke(p + "wstrb", 0xF);
        sim.poke(p + "wvalid", 1);
        sim.poke(p + "bready", 1);
        boolean addressDone = false;
        boolean dataDone = false;
        for (int c = 0; c < timeout; c++) {
            sim.eval();
            boolean aw = !addressDone && sim.peek(p + "awready") == 1;
            boolean w = !dataDone && sim.peek(p + "wready") == 1;
            boolean b = addressDone && dataDone && sim.peek(p + "bvalid") == 1;
            int resp = b ? (int) sim.peek(p + "bresp") : 0;
            sim.step(1);
            addressDone |= aw;
            dataDone |= w;
            if (aw) {
                sim.poke(p + "awvalid", 0);
            }
            if (w) {
                sim.poke(p + "wvalid", 0);
            }
            if (b) {
                sim.poke(p + "bready", 0);
                return resp;
            }
        }
        throw new AssertionError("AXI4-Lite write to 0x" + Integer.toHexString(address) + " got no response in "
                + timeout + " cycles");
    }

    /** Reads a word. */
    public int read(int address) {
        sim.poke(p + "araddr", address);
        sim.poke(p + "arvalid", 1);
        sim.poke(p + "rready", 1);
        boolean addressDone = false;
        for (int c = 0; c < timeout; c++) {
            sim.eval();
            boolean ar = !addressDone && sim.peek(p + "arready") == 1;
            boolean r = addressDone && sim.peek(p + "rvalid") == 1;
            int data = r ? (int) sim.peek(p + "rdata") : 0;
            sim.step(1);
            if (ar) {
                addressDone = true;
                sim.poke(p + "arvalid", 0);
            }
            if (r) {
                sim.poke(p + "rready", 0);
                return data;
            }
        }
        throw new AssertionError("AXI4-Lite read of 0x" + Integer.toHexString(address) + " got no data in "
                + timeout + " cycles");
    }
}
