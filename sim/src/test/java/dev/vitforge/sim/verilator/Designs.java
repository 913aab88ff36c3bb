package dev.vitforge.sim.verilator;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Tiny hand-written designs shared by the tests; models are built once per JVM. */
final class Designs {
    private static final Map<String, VerilatorModel> MODELS = new ConcurrentHashMap<>();

    private Designs() {}

    /** 8-bit counter with enable, a saturation flag, and a 100-bit register passthrough. */
    static RtlSource counter() {
        String v = """
                module counter(
                  input clk, input rst_n, input en,
                  output reg [7:0] count, output at_max,
                  input [99:0] wide_in, output reg [99:0] wide_out);
                  assign at_max = count == 8'hFF;
                  always @(posedge clk) begin
                    if (!rst_n) count <= 8'd0;
                    else if (en) count <= count + 8'd1;
                    wide_out <= wide_in;
                  end
                endmodule
                """;
        return RtlSource.single("counter", v, List.of(
                PortSpec.in("clk", 1), PortSpec.in("rst_n", 1), PortSpec.in("en", 1),
                PortSpec.out("count", 8), PortSpec.out("at_max", 1),
                PortSpec.in("wide_in", 100), PortSpec.out("wide_out", 100)));
    }

    /**
     * Adds k to every 16-bit beat and passes tlast through. The skid register takes
     * the beat accepted in the cycle the output stalls, so in_tready can be registered
     * and the pipeline still runs at one beat per cycle.
     */
    static RtlSource adder(int k) {
        String v = """
                module adder(
                  input clk, input rst_n,
                  input in_tvalid, output in_tready, input [15:0] in_tdata, input in_tlast,
                  output out_tvalid, input out_tready, output [15:0] out_tdata, output out_tlast);
                  localparam [15:0] K = 16'd%d;
                  reg ov, ol, sv, sl;
                  reg [15:0] od, sd;
                  assign in_tready = !sv;
                  assign out_tvalid = ov;
                  assign out_tdata = od;
                  assign out_tlast = ol;
                  wire take = in_tvalid && in_tready;
                  wire [15:0] sum = in_tdata + K;
                  always @(posedge clk) begin
                    if (!rst_n) begin
                      ov <= 1'b0; sv <= 1'b0;
                    end else if (!ov || out_tready) begin
                      if (sv) begin ov <= 1'b1; od <= sd; ol <= sl; sv <= 1'b0; end
                      else if (take) begin ov <= 1'b1; od <= sum; ol <= in_tlast; end
                      else ov <= 1'b0;
                    end else if (take) begin
                      sv <= 1'b1; sd <= sum; sl <= in_tlast;
                    end
                  end
                endmodule
                """.formatted(k);
        return RtlSource.single("adder", v, List.of(
                PortSpec.in("clk", 1), PortSpec.in("rst_n", 1),
                PortSpec.in("in_tvalid", 1), PortSpec.out("in_tready", 1),
                PortSpec.in("in_tdata", 16), PortSpec.in("in_tlast", 1),
                PortSpec.out("out_tvalid", 1), PortSpec.in("out_tready", 1),
                PortSpec.out("out_tdata", 16), PortSpec.out("out_tlast", 1)));
    }

    static VerilatorModel counterModel() {
        return MODELS.computeIfAbsent("counter", k -> VerilatorModel.build(counter()));
    }

    static VerilatorModel adderModel(int k) {
        return MODELS.computeIfAbsent("adder" + k, x -> VerilatorModel.build(adder(k)));
    }
}
