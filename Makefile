# vitforge: thin targets over Maven and ./vitforge. `make run` and `make test` are all a newcomer needs.
MVN ?= mvn -B -q
.PHONY: setup build run test bench rtl synth clean

setup:
	@scripts/setup.sh

build: setup
	$(MVN) -DskipTests install

# The main job: the default model (DeiT-T, 50% blocks, three selectors) planned for the ZCU102 and
# run through its generated GEMM engine on the simulated board; the small designs' demo first.
run: build
	./vitforge demo
	./vitforge plan --model models/zoo/deit-tiny-b16-s50-k70.json --json out/plan.json
	./vitforge run --model models/zoo/deit-tiny-b16-s50-k70.json --device sim --json out/report.json

test: setup
	mvn -B test

# Long sweeps and wall-clock measurements; figures land in target/bench/*.txt.
bench: build
	mvn -B test -Dvitforge.bench=true -Dtest='*Bench' -Dsurefire.failIfNoSpecifiedTests=false

rtl: build
	rm -rf out/rtl
	./vitforge generate --model models/zoo/deit-tiny-b16-s50-k70.json --out out/rtl

clean:
	mvn -B -q clean
