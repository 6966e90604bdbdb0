# cross.mk - cross builds for the routers' architectures: musl from Debian's source package, built
# with Debian's cross compilers, then wwanbox linked statically against it. Nothing is vendored.
#
#   make cross ARCH=mips|mipsel|armhf|aarch64 [CONFIG=tiny_defconfig]   -> build/cross-ARCH/wwanbox
#   make check-cross ARCH=...   unit tests (+ shell tests marked "# cross: yes") under qemu-user
#   make cross-musl ARCH=...    only the toolchain: musl in build/cross-ARCH/sysroot (cached)
#   make cross-clean ARCH=...   remove build/cross-ARCH (the musl source in build/src stays)
#
# ARCH counts only on the command line (an ARCH in the environment, as kernel and OpenWrt builds
# export, is ignored). With it, every other target builds for that target as well: B defaults to
# build/cross-ARCH, KCONFIG_CONFIG to $(B)/.config, e.g. `make ARCH=mips menuconfig`.
# `make cross` keeps the choices of an existing $(B)/.config unless CONFIG names a defconfig.
#
# Included by the top Makefile before it sets B; sets B, KCONFIG_CONFIG, CC and CROSS_COMPILE
# (the Makefile derives AR, STRIP and NM from CROSS_COMPILE).
#
# The toolchain, once per ARCH (measured on 2 cores: 22-25 s each; the source is fetched once):
#  1. configs/get-source.sh musl build/src/musl        (apt-get source: Debian bookworm has 1.2.3)
#  2. musl's configure --target=TRIPLET CROSS_COMPILE=TRIPLET- --disable-shared
#     --enable-wrapper=gcc, built out of tree in build/cross-ARCH/musl-obj, installed into
#     build/cross-ARCH/sysroot. Its wrapper (bin/musl-gcc + lib/musl-gcc.specs) runs the cross
#     gcc with -nostdinc, musl's headers, crt files and libc.a: no glibc header or library is used.
#  3. The kernel's uapi headers for the target (linux/ asm/ asm-generic/ mtd/ from Debian's
#     linux-libc-dev-DEBARCH-cross, in /usr/TRIPLET/include) are linked into sysroot/include, as
#     a real musl cross toolchain has them; the wrapper is renamed TRIPLET-musl-gcc so the
#     Makefile's native musl-gcc kernel-header fix-up ($(B)/kinc, x86 headers) stays out.
#  4. sysroot/toolchain.mk is written last: it is the cache stamp. The Makefile includes it, so
#     GNU make builds it before anything else (make manual 3.5 "How Makefiles Are Remade"),
#     whatever the target and -j.

CROSS_ARCHS := mips mipsel armhf aarch64
# GNU triplet (Debian gcc-TRIPLET), Debian architecture (linux-libc-dev-DEBARCH-cross), qemu-user
cross_triplet_mips := mips-linux-gnu
cross_triplet_mipsel := mipsel-linux-gnu
cross_triplet_armhf := arm-linux-gnueabihf
cross_triplet_aarch64 := aarch64-linux-gnu
cross_debarch_mips := mips
cross_debarch_mipsel := mipsel
cross_debarch_armhf := armhf
cross_debarch_aarch64 := arm64
cross_qemu_mips := qemu-mips
cross_qemu_mipsel := qemu-mipsel
cross_qemu_armhf := qemu-arm
cross_qemu_aarch64 := qemu-aarch64

MUSL_SRC := build/src/musl
MUSL_STAMP := $(MUSL_SRC)/.wwanbox-source

.PHONY: cross check-cross cross-musl cross-clean

# ARCH= (empty) on the command line is a native build too (tests/size.sh uses it).
CROSS_ARCH := $(if $(filter command line,$(origin ARCH)),$(ARCH))
ifneq ($(CROSS_ARCH),)
ifeq ($(filter $(CROSS_ARCH),$(CROSS_ARCHS)),)
$(error ARCH=$(CROSS_ARCH) is not one of: $(CROSS_ARCHS))
endif

CROSS_TRIPLET := $(cross_triplet_$(CROSS_ARCH))
CROSS_DEBARCH := $(cross_debarch_$(CROSS_ARCH))
CROSS_QEMU := $(cross_qemu_$(CROSS_ARCH))
CROSS_DIR := build/cross-$(CROSS_ARCH)
CROSS_SYSROOT := $(abspath $(CROSS_DIR)/sysroot)
CROSS_TOOLCHAIN_MK := $(CROSS_SYSROOT)/toolchain.mk

B ?= $(CROSS_DIR)
KCONFIG_CONFIG ?= $(B)/.config
CROSS_COMPILE := $(CROSS_TRIPLET)-
CC := $(CROSS_SYSROOT)/bin/$(CROSS_TRIPLET)-musl-gcc

# Goals that need no compiler; any other goal (also the default one) gets the toolchain first.
CROSS_NO_TOOLCHAIN := check-cross size cross-clean clean distclean help deps tiny_defconfig \
	full_defconfig allnoconfig menuconfig oldconfig olddefconfig
ifneq ($(filter-out $(CROSS_NO_TOOLCHAIN),$(or $(MAKECMDGOALS),all)),)
include $(CROSS_TOOLCHAIN_MK)
# Built for another checkout path (the wrapper and specs hold absolute paths): build it again.
$(CROSS_TOOLCHAIN_MK): $(if $(filter-out $(CROSS_SYSROOT),$(CROSS_SYSROOT_BUILT)),cross-force)
endif

# olddefconfig: an existing .config gets the symbols added since (new applets) at their defaults.
cross:
	$(Q)$(MAKE) --no-print-directory $(or $(CONFIG),olddefconfig)
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(STRIP) -o $(B)/wwanbox.stripped $(B)/wwanbox
	@echo "  $(B)/wwanbox: $(CROSS_ARCH), $$(stat -c %s $(B)/wwanbox.stripped) bytes stripped ($(B)/wwanbox.stripped)"

cross-musl:
	@echo "  musl $(CROSS_MUSL_VERSION) for $(CROSS_TRIPLET) in $(CROSS_SYSROOT)"

check-cross:
	$(Q)bash tests/cross.sh $(CROSS_ARCH)

cross-clean:
	rm -rf $(CROSS_DIR)

# musl's own build gets a clean environment: our command-line variables (ARCH, B, CONFIG...)
# travel in MAKEFLAGS and would override musl's (its ARCH is "arm" where ours is "armhf").
$(CROSS_TOOLCHAIN_MK): | $(MUSL_STAMP)
	@echo "  MUSL    $(CROSS_TRIPLET) into $(CROSS_SYSROOT) (once; log $(CROSS_DIR)/musl.log)"
	$(Q)command -v $(CROSS_TRIPLET)-gcc >/dev/null || { echo "$(CROSS_TRIPLET)-gcc not found: \
	apt-get install gcc-$(CROSS_TRIPLET) linux-libc-dev-$(CROSS_DEBARCH)-cross (or make deps)"; exit 1; }
	$(Q)test -d /usr/$(CROSS_TRIPLET)/include/asm || { echo "no kernel headers for $(CROSS_ARCH): \
	apt-get install linux-libc-dev-$(CROSS_DEBARCH)-cross (or make deps)"; exit 1; }
	$(Q)rm -rf $(CROSS_SYSROOT) $(CROSS_DIR)/musl-obj && mkdir -p $(CROSS_DIR)/musl-obj
	$(Q)cd $(CROSS_DIR)/musl-obj && env -i PATH="$$PATH" sh -c '\
		$(abspath $(MUSL_SRC))/configure --target=$(CROSS_TRIPLET) \
			CROSS_COMPILE=$(CROSS_TRIPLET)- --prefix=$(CROSS_SYSROOT) \
			--disable-shared --enable-wrapper=gcc && \
		make -j$(shell nproc 2>/dev/null || echo 2) && make install' \
		> $(abspath $(CROSS_DIR))/musl.log 2>&1 || { tail -20 $(CROSS_DIR)/musl.log; exit 1; }
	$(Q)for d in linux asm asm-generic mtd; do \
		ln -sfn /usr/$(CROSS_TRIPLET)/include/$$d $(CROSS_SYSROOT)/include/$$d; done
	$(Q)mv $(CROSS_SYSROOT)/bin/musl-gcc $(CROSS_SYSROOT)/bin/$(CROSS_TRIPLET)-musl-gcc
	$(Q)rm -rf $(CROSS_DIR)/musl-obj
	$(Q)printf '%s\n' "# written by configs/cross.mk: the stamp of this sysroot" \
		"CROSS_MUSL_VERSION := $$(cat $(MUSL_SRC)/VERSION)" \
		"CROSS_SYSROOT_BUILT := $(CROSS_SYSROOT)" > $@.tmp && mv $@.tmp $@

else # no ARCH on the command line, or an empty one

cross check-cross cross-musl cross-clean:
	@echo "make $@ needs ARCH= on the command line, one of: $(CROSS_ARCHS)"; exit 2

endif

$(MUSL_STAMP):
	@echo "  FETCH   musl (apt-get source, once)"
	$(Q)sh configs/get-source.sh musl $(MUSL_SRC)

.PHONY: cross-force
cross-force:
