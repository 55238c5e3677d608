# SPDX-License-Identifier: Apache-2.0
# Thin wrapper over CMake for the two set-up commands of the README.
.PHONY: all deps build demo test install clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_WERROR=ON >/dev/null
	cmake --build build -j2

demo: build
	./scripts/demo.sh

# Installs into the system, or into $(DESTDIR) (cmake --install honours it).
install: build
	cmake --install build

test: deps
	./scripts/test.sh

clean:
	rm -rf build build-asan build-fuzz build-release
