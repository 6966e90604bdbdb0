# mbedtls.mk - mbedtls 2.28 (Debian source package "mbedtls") as static archives for wwanbox.
#
# Included by the top Makefile, which sets:
#   B              build directory (e.g. build)
#   CC             target compiler (musl-gcc by default, or a cross gcc/clang)
#   CFLAGS_TARGET  target flags (-Os -ffunction-sections -fdata-sections, --target/-march, ...)
#   AR             target ar
# and gets:
#   MBEDTLS_LIBS   archives to link, in link order (today: $(B)/mbedtls/libmbedcrypto.a)
#   MBEDTLS_CFLAGS flags for code that includes mbedtls headers (core/tls.c)
#   MBEDTLS_DEP    a prerequisite for objects that include mbedtls headers: the unpacked source
#   target `mbedtls` builds the archives; `mbedtls-clean` removes them (the source stays cached).
#
# The source is unpacked by configs/get-source.sh into $(B)/src/mbedtls (apt-get source; cached,
# never vendored). Only the modules the config header enables are compiled: their list below must
# follow configs/mbedtls_config.h (a module missing here fails the link loudly; one too many costs
# a few ms of compile time and no bytes, thanks to --gc-sections). Measured on 2 cores with
# musl-gcc: the two SHA-256 modules compile in 0.1 s; all 91 library/*.c files would take 0.8 s
# with this config and much more with the TLS profile, for nothing. Every object depends on the
# config header and on this file, so changing either rebuilds the archives.
#
# TLS/X.509 later (notes/dhcp-mbedtls.md 4.1 "web"): add the options to mbedtls_config.h, the
# crypto modules below (aes gcm chacha20 poly1305 chachapoly cipher cipher_wrap md sha512 sha1
# bignum ecp ecp_curves ecdh ecdsa rsa rsa_internal pk pk_wrap pkparse asn1parse asn1write oid
# pem base64 constant_time), MBEDTLS_X509_MODULES := x509 x509_crt and
# MBEDTLS_TLS_MODULES := ssl_tls ssl_msg ssl_cli ssl_ciphersuites, whose archives are then built
# and listed in MBEDTLS_LIBS (tls before x509 before crypto) by the generic rules below.

MBEDTLS_SRC := build/src/mbedtls
MBEDTLS_OUT := $(B)/mbedtls
MBEDTLS_STAMP := $(MBEDTLS_SRC)/.wwanbox-source
MBEDTLS_CONFIG := configs/mbedtls_config.h
MBEDTLS_DEP := $(MBEDTLS_STAMP)

MBEDTLS_CRYPTO_MODULES := sha256 platform_util
MBEDTLS_X509_MODULES :=
MBEDTLS_TLS_MODULES :=

# -isystem: our -Wundef/-Wshadow... do not apply to mbedtls's public headers.
MBEDTLS_CFLAGS := -isystem $(MBEDTLS_SRC)/include \
	-DMBEDTLS_CONFIG_FILE='"$(abspath $(MBEDTLS_CONFIG))"'

mbedtls_lib = $(if $(MBEDTLS_$(1)_MODULES),$(MBEDTLS_OUT)/libmbed$(2).a)
mbedtls_objs = $(patsubst %,$(MBEDTLS_OUT)/obj/%.o,$(MBEDTLS_$(1)_MODULES))

MBEDTLS_LIBS := $(strip $(call mbedtls_lib,TLS,tls) $(call mbedtls_lib,X509,x509) \
	$(call mbedtls_lib,CRYPTO,crypto))
MBEDTLS_OBJS := $(foreach k,TLS X509 CRYPTO,$(call mbedtls_objs,$(k)))

.PHONY: mbedtls mbedtls-clean
mbedtls: $(MBEDTLS_LIBS)

mbedtls-clean:
	rm -rf $(MBEDTLS_OUT)

$(MBEDTLS_STAMP):
	@echo "  FETCH   mbedtls (apt-get source, once)"
	$(Q)sh configs/get-source.sh mbedtls $(MBEDTLS_SRC)

# The .c file is not a prerequisite: it exists only once the stamp rule has run, and the tree
# never changes after that (a new fetch rewrites the stamp, which rebuilds everything).
$(MBEDTLS_OBJS): $(MBEDTLS_OUT)/obj/%.o: $(MBEDTLS_STAMP) $(MBEDTLS_CONFIG) configs/mbedtls.mk
	@mkdir -p $(@D)
	@echo "  CC      mbedtls/library/$*.c"
	$(Q)$(CC) $(CFLAGS_TARGET) $(MBEDTLS_CFLAGS) -c $(MBEDTLS_SRC)/library/$*.c -o $@

$(MBEDTLS_OUT)/libmbedcrypto.a: $(call mbedtls_objs,CRYPTO)
$(MBEDTLS_OUT)/libmbedx509.a: $(call mbedtls_objs,X509)
$(MBEDTLS_OUT)/libmbedtls.a: $(call mbedtls_objs,TLS)
$(MBEDTLS_LIBS):
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^
