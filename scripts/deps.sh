#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install every Debian package dpstack needs to build, run and test.
# Idempotent: installs only what is missing. Run as root on Debian 12.
set -euo pipefail

pkgs=(
	build-essential pkg-config meson ninja-build
	libdpdk-dev dpdk libnuma-dev libpcap-dev libcriterion-dev
	iproute2 ethtool iputils-ping python3 procps
	tcpdump tshark curl jq gnuplot-nox dpdk-dev
	nginx-light wrk socat valgrind
	clang libclang-rt-14-dev
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages (${missing[*]}); run as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# tshark (wireshark-common) would ask whether non-root users may capture.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections
# nginx is run by the tests themselves, in a namespace; keep the package's
# service from starting on the host (policy-rc.d 101: action forbidden).
if [ ! -e /usr/sbin/policy-rc.d ]; then
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
