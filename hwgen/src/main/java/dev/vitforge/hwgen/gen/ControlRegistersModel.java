package dev.vitforge.hwgen.gen;

import java.util.HashMap;
import java.util.Map;

/**
 * Reference for {@link ControlRegisters}: what a host sees through register reads and writes.
 * The kernel-side inputs (ap_idle, ap_ready, ap_done, status words) are set by the caller.
 */
public final class ControlRegistersModel {
    private final ControlRegisters.Layout layout;
    private final Map<Integer, Integer> arguments = new HashMap<>();
    private final Map<String, Integer> status = new HashMap<>();
    private boolean start;
    private boolean done;
    private boolean autoRestart;
    private boolean globalEnable;
    private int enable;
    private int interrupts;
    private boolean idle;
    private boolean ready;

    public ControlRegistersModel(ControlRegisters.Layout layout) {
        this.layout = layout;
        layout.arguments().values().forEach(a -> arguments.put(a, 0));
    }

    public void kernel(boolean idleNow, boolean readyNow) {
        this.idle = idleNow;
        this.ready = readyNow;
    }

    public void status(String name, int value) {
        status.put(name, value);
    }

    public void write(int address, int data) {
        switch (address) {
            case 0x00 -> {
                start |= (data & 1) != 0;
                autoRestart = (data & 0x80) != 0;
            }
            case 0x04 -> globalEnable = (data & 1) != 0;
            case 0x08 -> enable = data & 3;
            case 0x0C -> interrupts ^= data & 3;
            default -> {
                if (arguments.containsKey(address)) {
                    arguments.put(address, data);
                }
            }
        }
    }

    public int read(int address) {
        switch (address) {
            case 0x00 -> {
                int value = (start ? 1 : 0) | (done ? 2 : 0) | (idle ? 4 : 0) | (ready ? 8 : 0) | (autoRestart ? 0x80 : 0);
                done = false; // clear on read, as Vitis does
                return value;
            }
            case 0x04 -> { return globalEnable ? 1 : 0; }
            case 0x08 -> { return enable; }
            case 0x0C -> { return interrupts; }
            default -> {
                if (arguments.containsKey(address)) {
                    return arguments.get(address);
                }
                for (Map.Entry<String, Integer> s : layout.status().entrySet()) {
                    if (s.getValue() == address) {
                        return status.getOrDefault(s.getKey(), 0);
                    }
                }
                return 0;
            }
        }
    }

    /** The kernel finished a job: ap_done pulses, raising the done interrupt when enabled. */
    public void kernelDone() {
        done = true;
        interrupts |= enable & 1;
    }

    /** The kernel took the job: ap_ready pulses; ap_start drops unless auto_restart. */
    public void kernelReady() {
        if (!autoRestart) {
            start = false;
        }
        interrupts |= enable & 2;
    }

    public boolean irq() {
        return globalEnable && interrupts != 0;
    }
}
