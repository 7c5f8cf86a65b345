# Set-up and everyday commands. On a fresh machine, two commands do everything:
#   make demo    create .venv, install ugatit-deploy (CPU torch 2.13.0), run the main job
#   make test    create .venv, install with the test extras, run the test suite
# and one for the inner loop:
#   make test-fast   the unmarked tests only (no slow, cpp, serve, gpu or nightly marker): under a minute
# Both are idempotent: the virtual environment is re-installed only when pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch 2.13.0 is pinned here, not in pyproject.toml: this exact version is the local CPU wheel, while
# any other torch requirement would pull several GB of CUDA wheels. The package itself accepts >= 2.11.
TORCH  ?= torch==2.13.0
PYTRITON ?= nvidia-pytriton==0.7.0
STAMP  := $(VENV)/.installed
WEB_STAMP := $(VENV)/.web-installed

.PHONY: demo test test-fast test-nightly test-classes venv clean fuzz

demo: $(STAMP)
	$(BIN)/ugatit-deploy demo --out reports/demo

# Two pytest-xdist workers, each test file on one worker (its module fixtures built once); they share the
# session cache, so an export one worker made the other reuses.
test: $(STAMP) $(WEB_STAMP)
	$(BIN)/python -m pytest -m "not nightly" -n 2 --dist loadfile --durations=15

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not cpp and not serve and not gpu and not nightly" --durations=10

# The real-size runs left out of make test: the built-in 256 px model's whole main job (several minutes).
test-nightly: $(STAMP)
	$(BIN)/python -m pytest -m nightly --durations=5

# The fast lane as each CPU class would run it (no test may depend on the host's ISA): under the AVX2 cap,
# then with the capability checks faked to an AVX-512 VNNI EPYC, an AVX-512 BF16 one and an AMX Xeon.
FAKE_CLASSES ?= AVX512_CORE_VNNI AVX512_CORE_BF16 AVX512_CORE_AMX
test-classes: $(STAMP)
	ONEDNN_MAX_CPU_ISA=AVX2 $(MAKE) --no-print-directory test-fast
	for class in $(FAKE_CLASSES); do UGATIT_DEPLOY_FAKE_CPU=$$class $(MAKE) --no-print-directory test-fast || exit 1; done

venv: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$(TORCH)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,cpu,openvino,mnn,ncnn,serve,video,faces]"
	# The Triton server binary for `ugatit-deploy serve`. --no-deps: ugatit-deploy uses only its server files,
	# never its Python API, whose numpy < 2 pin would downgrade the whole environment.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps "$(PYTRITON)"
	touch $(STAMP)

# What the browser tests add, for make test only (make demo never needs a browser): Playwright, Debian's chromium
# (installed when this runs as root with apt) and onnxruntime-web's pinned files from npm, kept in the cache folder.
# Where one cannot be had, the tests that need it skip and say which.
$(WEB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[web]"
	command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
	    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; }; } || \
	  echo "no chromium here: the browser tests will skip"
	$(BIN)/python -c "from ugatit_deploy.formats.web_runtime import ort_web_files; ort_web_files()" || \
	  echo "no onnxruntime-web files: the web bundle tests will skip"
	touch $(WEB_STAMP)

# The C++ runner's libFuzzer targets (clang++-14 + libFuzzer; cpp/fuzz/run.sh), each for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) cpp/fuzz/run.sh

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
