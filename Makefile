# vitforge: thin targets over Maven and ./vitforge. `make run` and `make test` are all a newcomer needs.
MVN ?= mvn -B -q
.PHONY: setup build run test bench rtl synth clean

setup:
	@scripts/setup.sh

build: setup
	$(MVN) -DskipTests install

# The main job: the default design through generate, lint, simulate and report on the simulated board.
run: build
	./vitforge demo
	./vitforge plan --model models/zoo/deit-tiny-b16-s50-k70.json --json out/plan.json

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
