# wwanbox - one static binary that brings a cellular modem online.
#
#   make tiny_defconfig | full_defconfig | allnoconfig   write .config
#   make menuconfig | oldconfig                           edit .config (needs kconfig-frontends)
#   make                                                  build $(B)/wwanbox (static, musl)
#   make check                                            all tests; ends with "N passed, N failed"
#   make size                                             stripped size per defconfig, biggest symbols
#   make demo                                             the simulated modem dialled for real
#   make SANITIZE=1                                       glibc build with ASan+UBSan (tests)
#   make CROSS_COMPILE=mips-linux-musl-                   Buildroot-style cross build
#   make install DESTDIR=... [PREFIX=/usr]                binary + applet links
#
# Variables: B (build directory), KCONFIG_CONFIG (the .config to use), CC, CROSS_COMPILE,
# EXTRA_CFLAGS, EXTRA_LDFLAGS, V=1 (show commands).

# make cross/check-cross ARCH=...: sets B, KCONFIG_CONFIG, CC, CROSS_COMPILE when ARCH is given.
include configs/cross.mk

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
B ?= build/san
else
B ?= build
endif
KCONFIG_CONFIG ?= .config
G = $(B)/gen

ifeq ($(V),1)
Q :=
else
Q := @
endif

# --- toolchain -------------------------------------------------------------------------------
ifeq ($(SANITIZE),1)
ifeq ($(origin CC),default)
CC := gcc
endif
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDSTATIC :=
ifeq ($(FUZZ),1)
OPT += -fsanitize=fuzzer-no-link
endif
else
ifneq ($(CROSS_COMPILE),)
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
else ifeq ($(origin CC),default)
CC := musl-gcc
endif
OPT := -Os
# musl applies RELRO only in its dynamic linker (ldso/dynlink.c): in a static binary it is padding
# (3.5 KB on x86_64, 60 KB on aarch64 with its 64 KB max page size) that protects nothing.
LDSTATIC := -static -Wl,-z,norelro
endif
AR := $(CROSS_COMPILE)ar
STRIP := $(CROSS_COMPILE)strip
NM := $(CROSS_COMPILE)nm

WARN := -Wall -Wextra -Werror -Wundef -Wmissing-prototypes -Wshadow -Wno-unused-parameter
CFLAGS_TARGET := $(OPT) -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	-fno-unwind-tables $(EXTRA_CFLAGS)
CFLAGS := -std=gnu11 $(WARN) $(CFLAGS_TARGET) -Iinclude -I$(G) -D_GNU_SOURCE
LDFLAGS := $(LDSTATIC) -Wl,--gc-sections $(EXTRA_LDFLAGS)
ifneq ($(SANITIZE),1)
LDFLAGS += -Wl,-O1
endif

# Debian's musl-gcc sees only musl's headers; give it the kernel's uapi headers (linux/, asm/,
# asm-generic/) from linux-libc-dev, and nothing else of glibc's.
ifeq ($(notdir $(CC)),musl-gcc)
MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null)
KINC := $(B)/kinc
CFLAGS += -isystem $(KINC)
KINC_DEP := $(KINC)/.stamp
endif

# --- configuration ---------------------------------------------------------------------------
KCONFIG := $(G)/Kconfig
CONFIG_TARGETS := tiny_defconfig full_defconfig allnoconfig menuconfig oldconfig olddefconfig \
	clean distclean help deps
ifeq ($(filter $(CONFIG_TARGETS),$(MAKECMDGOALS)),)
-include $(KCONFIG_CONFIG)
endif

APPLET_SRCS := $(sort $(wildcard applets/*.c)) $(EXTRA_APPLETS)

# Core modules: one line each. Always-built modules first.
core-y := main fmt msg addr
core-$(CONFIG_CORE_LOOP) += loop
core-$(CONFIG_CORE_WDM) += wdm
core-$(CONFIG_CORE_NL) += nl
core-$(CONFIG_CORE_NETCFG) += netcfg
core-$(CONFIG_CORE_DHCP) += dhcp
core-$(CONFIG_CORE_OUT) += out
core-$(CONFIG_CORE_TLS) += tls
core-$(CONFIG_CORE_QMI) += qmi qmi_msg
core-$(CONFIG_CORE_QMI_CLIENT) += qmi_client
core-$(CONFIG_CORE_MBIM) += mbim mbim_msg
core-$(CONFIG_CORE_AT) += at
core-$(CONFIG_CORE_SYSFS) += sysfs
core-$(CONFIG_CORE_USBDEV) += usbdev
CORE_OBJS := $(patsubst %,$(B)/core/%.o,$(core-y))
# Applets: every applets/X.c whose symbol is enabled (taken from its USE_X(APPLET(...)) line).
LP := (
applet_sym = $(shell sed -n 's/^USE_\([A-Z0-9_]*\)$(LP)APPLET.*/\1/p' $(1))
# A large applet may keep parts in applets/X/*.c: they are linked whenever applets/X.c is.
applet_files = $(1) $(sort $(wildcard $(1:.c=)/*.c))
APPLET_OBJS := $(foreach f,$(APPLET_SRCS),$(if $(filter y,$(CONFIG_$(call applet_sym,$(f)))),$(patsubst %.c,$(B)/%.o,$(call applet_files,$(f)))))

ifeq ($(CONFIG_CORE_TLS),y)
include configs/mbedtls.mk
CFLAGS += $(MBEDTLS_CFLAGS)
LIBS += $(MBEDTLS_LIBS)
endif

.PHONY: deps all clean distclean check size demo fuzz fuzz-build tests bench install mbedtls help $(CONFIG_TARGETS)
.DEFAULT_GOAL := all
.SECONDARY:

all: $(B)/wwanbox

$(KCONFIG_CONFIG):
	@echo "No $(KCONFIG_CONFIG): using configs/full_defconfig (see make help)"
	$(Q)$(MAKE) --no-print-directory full_defconfig

# --- generated files -------------------------------------------------------------------------
# The Kconfig tree: configs/Kconfig with each applet's entry (from its header comment) put in
# place of the "#@APPLETS@" line.
$(G)/Kconfig: configs/Kconfig $(APPLET_SRCS) configs/applets.awk
	@mkdir -p $(G)
	$(Q)awk -v OUT=kconfig -f configs/applets.awk $(APPLET_SRCS) /dev/null > $@.applets
	$(Q)sed -e '/^#@APPLETS@/r $@.applets' -e '/^#@APPLETS@/d' configs/Kconfig > $@.tmp && mv $@.tmp $@

$(G)/applets.h: $(APPLET_SRCS) configs/applets.awk
	@mkdir -p $(G)
	$(Q)awk -v OUT=table -f configs/applets.awk $(APPLET_SRCS) /dev/null | sort > $@.tmp && mv $@.tmp $@

$(G)/help.h: $(APPLET_SRCS) configs/applets.awk
	@mkdir -p $(G)
	$(Q)awk -v OUT=help -f configs/applets.awk $(APPLET_SRCS) /dev/null > $@.tmp && mv $@.tmp $@

$(G)/config.h: $(KCONFIG_CONFIG) $(KCONFIG) configs/config_h.awk
	@mkdir -p $(B)/gen
	$(Q)awk -f configs/config_h.awk $(KCONFIG) $(KCONFIG_CONFIG) > $@.tmp && mv $@.tmp $@

$(KINC)/.stamp:
	@mkdir -p $(KINC)
	$(Q)for d in linux asm-generic mtd; do ln -sfn /usr/include/$$d $(KINC)/$$d; done
	$(Q)ln -sfn /usr/include/$(MULTIARCH)/asm $(KINC)/asm
	@touch $@

GEN_HDRS := $(G)/config.h $(G)/applets.h $(G)/help.h $(KINC_DEP)

# --- build -----------------------------------------------------------------------------------
$(B)/%.o: %.c $(GEN_HDRS) $(MBEDTLS_DEP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(B)/libcore.a: $(filter-out $(B)/core/main.o,$(CORE_OBJS))
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/wwanbox: $(B)/core/main.o $(APPLET_OBJS) $(B)/libcore.a $(LIBS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(B)/core/main.o $(APPLET_OBJS) $(B)/libcore.a $(LIBS)

-include $(wildcard $(B)/core/*.d $(B)/applets/*.d $(B)/applets/*/*.d $(B)/tests/data/applets/*.d)

# --- tests -----------------------------------------------------------------------------------
# tests/unit/test_X.c is built when core/X.c is part of this configuration (or no core/X.c exists).
unit_enabled = $(if $(wildcard core/$(1).c),$(filter $(1),$(core-y)),$(1))
UNIT_SRCS := $(foreach t,$(wildcard tests/unit/test_*.c),$(if $(call unit_enabled,$(patsubst tests/unit/test_%.c,%,$(t))),$(t)))
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
TOOL_BINS := $(patsubst tests/tools/%.c,$(B)/tests/%,$(wildcard tests/tools/*.c))

$(B)/tests/%: tests/unit/%.c $(B)/libcore.a $(LIBS) tests/unit/t.h $(GEN_HDRS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< $(B)/libcore.a $(LIBS)

$(B)/tests/%: tests/tools/%.c $(B)/libcore.a $(LIBS) $(GEN_HDRS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< $(B)/libcore.a $(LIBS)

# libFuzzer harnesses (make fuzz-build SANITIZE=1 FUZZ=1 CC=clang; `make fuzz` runs them longer).
FUZZ_SRCS := $(foreach t,$(wildcard tests/fuzz/fuzz_*.c),$(if $(call unit_enabled,$(patsubst tests/fuzz/fuzz_%.c,%,$(t))),$(t)))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
$(B)/fuzz/%: tests/fuzz/%.c $(B)/libcore.a $(LIBS) $(GEN_HDRS)
	@mkdir -p $(@D)
	@echo "  FUZZ    $<"
	$(Q)$(CC) $(CFLAGS) -Wno-missing-prototypes -fsanitize=fuzzer -o $@ $< $(B)/libcore.a $(LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz:
	$(Q)FUZZ_SECONDS=$${FUZZ_SECONDS:-120} bash tests/fuzz.sh

tests: $(B)/wwanbox $(UNIT_BINS) $(TOOL_BINS)
	@printf '%s\n' $(UNIT_BINS) > $(B)/tests/unit.list

check:
	$(Q)bash tests/run

# --- configuration targets ------------------------------------------------------------------
tiny_defconfig full_defconfig: %: configs/% $(KCONFIG)
	$(Q)awk -v KCONFIG="$(KCONFIG)" -f configs/kconfig.awk $< > $(KCONFIG_CONFIG).tmp
	$(Q)mv $(KCONFIG_CONFIG).tmp $(KCONFIG_CONFIG) && echo "wrote $(KCONFIG_CONFIG) from $<"

allnoconfig: $(KCONFIG)
	$(Q)awk -v KCONFIG="$(KCONFIG)" -v MODE=all-no -f configs/kconfig.awk /dev/null > $(KCONFIG_CONFIG).tmp
	$(Q)mv $(KCONFIG_CONFIG).tmp $(KCONFIG_CONFIG) && echo "wrote $(KCONFIG_CONFIG): everything off"

olddefconfig: $(KCONFIG)
	$(Q)awk -v KCONFIG="$(KCONFIG)" -f configs/kconfig.awk $(KCONFIG_CONFIG) > $(KCONFIG_CONFIG).tmp
	$(Q)mv $(KCONFIG_CONFIG).tmp $(KCONFIG_CONFIG)

KCONFIG_NEED = @command -v kconfig-$(1) >/dev/null || { echo "make $@ needs kconfig-frontends \
(apt-get install kconfig-frontends); without it, edit $(KCONFIG_CONFIG) and run make olddefconfig"; exit 1; }

menuconfig: $(KCONFIG)
	$(call KCONFIG_NEED,mconf)
	$(Q)KCONFIG_CONFIG=$(KCONFIG_CONFIG) kconfig-mconf $(KCONFIG)

oldconfig: $(KCONFIG)
	$(call KCONFIG_NEED,conf)
	$(Q)KCONFIG_CONFIG=$(KCONFIG_CONFIG) kconfig-conf --oldconfig $(KCONFIG)

# --- size, install, misc ---------------------------------------------------------------------
size:
	$(Q)bash tests/size.sh

PREFIX ?= /usr
install: $(B)/wwanbox
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(B)/wwanbox $(DESTDIR)$(PREFIX)/bin/wwanbox
	$(STRIP) $(DESTDIR)$(PREFIX)/bin/wwanbox 2>/dev/null || true
	for a in $$($(B)/wwanbox --list 2>/dev/null); do ln -sf wwanbox $(DESTDIR)$(PREFIX)/bin/$$a; done

# Everything the build, the tests and the demo need, from Debian packages (run as root).
DEBIAN_PKGS := make gcc libc6-dev musl-tools linux-libc-dev kconfig-frontends dpkg-dev file \
	clang libclang-rt-14-dev llvm iproute2 python3 ca-certificates dnsmasq-base busybox iputils-ping \
	python3-gi gir1.2-qmi-1.0 libqmi-utils gir1.2-mbim-1.0 libmbim-utils tshark \
	qemu-user gcc-mips-linux-gnu gcc-mipsel-linux-gnu gcc-arm-linux-gnueabihf \
	gcc-aarch64-linux-gnu binutils-mips-linux-gnu binutils-mipsel-linux-gnu \
	binutils-arm-linux-gnueabihf binutils-aarch64-linux-gnu linux-libc-dev-mips-cross \
	linux-libc-dev-mipsel-cross linux-libc-dev-armhf-cross linux-libc-dev-arm64-cross
deps:
	@[ "$$(id -u)" = 0 ] || { echo "make deps installs Debian packages: run it as root"; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(DEBIAN_PKGS)
	bash configs/get-source.sh --enable-only

demo:
	$(Q)bash tests/demo.sh

clean:
	rm -rf build

distclean: clean
	rm -f .config .config.old

help:
	@sed -n '2,15s/^# \{0,1\}//p' Makefile
