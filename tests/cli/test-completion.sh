#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Shell completion: bash -n and zsh -n; the bash function driven as
# readline drives it (COMP_LINE, COMP_POINT, COMP_WORDS, COMP_CWORD), and
# zsh's completion system in a pseudo-terminal (zsh-complete.zsh), with
# group names, keys (two GPUs: dmem keys with colons) and charge ids from a
# running daemon.
. "$(dirname "$0")/lib.sh"

bash_file="$SOURCE_ROOT/shell-completion/bash/resctl"
zsh_file="$SOURCE_ROOT/shell-completion/zsh/_resctl"
bash -n "$bash_file" || fail "bash -n $bash_file"
if command -v zsh >/dev/null; then
        zsh -n "$zsh_file" || fail "zsh -n $zsh_file"
        head -n1 "$zsh_file" | grep -qx '#compdef resctl' || fail "_resctl does not start with #compdef resctl"
        # It loads into the completion system.
        zsh -f -c "fpath=('$SOURCE_ROOT/shell-completion/zsh' \$fpath); autoload -U compinit; compinit -u -D;
                   autoload -Uz +X _resctl" || fail "zsh cannot load _resctl"
else
        echo "zsh is not installed (apt-get install zsh): zsh -n skipped" >&2
fi

setup
expect 0 resctl set-property tenant-a.slice MiscMax=sev:8
expect 0 resctl set-property vm1.service Slice=tenant-a.slice
expect 0 resctl charge --persist vm1.service sev 1
expect 0 resctl charge --persist vm1.service dmem/drm/0000:c1:00.0/vram0 1G
# A second GPU: its key differs from the first only after a colon.
expect 0 resctl register-resource dmem/drm/0000:c2:00.0/vram0 8G

# The resctl the completion runs is the one under test.
mkdir "$tmp/bin"
ln -s "$RESCTL" "$tmp/bin/resctl"
PATH="$tmp/bin:$PATH"

# shellcheck disable=SC1090
. "$bash_file"
complete -p resctl | grep -q -- '-F _resctl resctl$' || fail "complete -p resctl: $(complete -p resctl)"
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'

# completes LINE: what bash would offer after LINE, sorted, one a line.
completes() {
        COMP_LINE=$1
        COMP_POINT=${#1}
        local IFS=$' \t\n'
        read -r -a COMP_WORDS <<<"$1"
        [[ $1 == *' ' ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMPREPLY=()
        _resctl resctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
        printf '%s\n' "${COMPREPLY[@]}" | sort
}
# want LINE COMPLETION...: exactly these.
want() {
        local line=$1
        shift
        local got
        got=$(completes "$line")
        local exp
        exp=$(printf '%s\n' "$@" | sort)
        [ "$got" = "$exp" ] || fail "completing '$line': got [${got//$'\n'/ }], want [${exp//$'\n'/ }]"
}

want "resctl " status list-resources list-groups list-charges tree show cat write set-property charge \
        uncharge migrate evict register-resource unregister-resource set-capacity monitor export top protect unprotect run
want "resctl list-" list-resources list-groups list-charges
want "resctl --no-l" --no-legend
want "resctl --js" --json=
want "resctl --json=p" pretty
want "resctl export --format=" openmetrics prometheus nfd
want "resctl show " -.slice tenant-a.slice tenant.slice vm1.service
want "resctl --no-pager tree ten" tenant-a.slice tenant.slice
want "resctl show -." -.slice
want "resctl show tenant-a.slice " ""
want "resctl charge vm1.service " misc/sev misc/sev_es dmem/drm/0000:c1:00.0/vram0 \
        dmem/drm/0000:c2:00.0/vram0 rdma/mlx5_0/hca_handle rdma/mlx5_0/hca_object
want "resctl charge vm1.service dmem/drm/0000:c" c1:00.0/vram0 c2:00.0/vram0
want "resctl charge vm1.service dmem/drm/0000:c2" c2:00.0/vram0
want "resctl charge --persist vm1.service m" misc/sev misc/sev_es
want "resctl cat tenant-a.slice misc.e" misc.events misc.events.local
want "resctl write tenant-a.slice dmem.m" dmem.min dmem.max
want "resctl set-property tenant-a.slice Mi" MiscMax=
want "resctl set-property tenant-a.slice MiscMax=sev:8 D" DMemMin= DMemLow= DMemMax=
want "resctl set-property tenant-a.slice MiscMax=s" sev: sev_es:
want "resctl set-property tenant-a.slice DMemLow=drm/0000:c" c1:00.0/vram0: c2:00.0/vram0:
want "resctl set-property tenant-a.slice RdmaMax=" mlx5_0
want "resctl set-property vm1.service Slice=t" tenant-a.slice tenant.slice
want "resctl uncharge " 1 2
want "resctl migrate --group " -.slice tenant-a.slice tenant.slice vm1.service
want "resctl evict d" dmem/drm/0000:c1:00.0/vram0 dmem/drm/0000:c2:00.0/vram0
want "resctl unregister-resource misc/" misc/sev misc/sev_es
want "resctl register-resource " misc/ dmem/ rdma/
want "resctl top --order=r" refused
want "resctl top -n 2 misc/" misc/sev misc/sev_es
want "resctl --batch top d" dmem/drm/0000:c1:00.0/vram0 dmem/drm/0000:c2:00.0/vram0
want "resctl status t" tenant-a.slice tenant.slice
want "resctl status vm1.service t" tenant-a.slice tenant.slice
want "resctl monitor m" misc/sev misc/sev_es
want "resctl monitor vm1.service d" dmem/drm/0000:c1:00.0/vram0 dmem/drm/0000:c2:00.0/vram0
want "resctl charge --cr" --create
want "resctl show -p U" Usage
want "resctl show --property=E" EffectiveMin EffectiveLow Events EventsLocal
want "resctl show -p Usage t" tenant-a.slice tenant.slice

# zsh: the same daemon, through compinit and _resctl.
if command -v zsh >/dev/null && zsh -f -c 'zmodload zsh/zpty' 2>/dev/null; then
        export ZCOMPDUMP="$tmp/zcompdump"
        zwant() {  # LINE MATCH...: zsh offers exactly these
                local line=$1 got exp
                shift
                got=$(timeout 30 zsh -f "$SOURCE_ROOT/tests/cli/zsh-complete.zsh" "$SOURCE_ROOT/shell-completion/zsh" "$line") ||
                        fail "zsh: completing '$line' failed"
                exp=$(printf '%s\n' "$@" | sort -u)
                [ "$got" = "$exp" ] || fail "zsh: completing '$line': got [${got//$'\n'/ }], want [${exp//$'\n'/ }]"
        }
        zwant "resctl charge vm1.service " misc/sev misc/sev_es dmem/drm/0000:c1:00.0/vram0 \
                dmem/drm/0000:c2:00.0/vram0 rdma/mlx5_0/hca_handle rdma/mlx5_0/hca_object
        zwant "resctl charge vm1.service dmem/drm/0000:c" dmem/drm/0000:c1:00.0/vram0 dmem/drm/0000:c2:00.0/vram0
        zwant "resctl evict dmem/drm/0000:c2" dmem/drm/0000:c2:00.0/vram0
        zwant "resctl set-property tenant-a.slice DMemMax=drm/0000:c" DMemMax=drm/0000:c1:00.0/vram0: \
                DMemMax=drm/0000:c2:00.0/vram0:
        zwant "resctl show ten" tenant-a.slice tenant.slice
        zwant "resctl status vm" vm1.service
        zwant "resctl uncharge " 1 2
        zwant "resctl list-" list-resources list-groups list-charges
        zwant "resctl show nosuch" 
else
        echo "zsh with zsh/zpty is not installed (scripts/deps installs zsh): zsh completion not driven" >&2
fi
echo "ok"
