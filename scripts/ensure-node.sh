# Sourced, not run (POSIX sh or bash): puts Node 24 first on PATH. Where the machine's Node is older
# than 24 it is installed (once) into .tools/node of this checkout, from the npm registry, with no
# install script. `. scripts/ensure-node.sh` from the checkout; scripts/with-node.sh for one command.
if [ -z "${ensure_node_root:-}" ]; then
  # bash names the sourced file; other shells do not, so fall back to the working directory.
  ensure_node_root="$(cd "$(dirname "${BASH_SOURCE:-$0}")/.." && pwd)"
  [ -f "$ensure_node_root/scripts/ensure-node.sh" ] || ensure_node_root="$PWD"
fi
ensure_node_major() { node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }
if [ -x "$ensure_node_root/.tools/node/bin/node" ]; then
  export PATH="$ensure_node_root/.tools/node/bin:$PATH"
fi
if [ "$(ensure_node_major)" -lt 24 ]; then
  # The registry publishes Node's own binaries as node-<os>-<cpu> packages (what the `node` package installs).
  case "$(uname -m)" in
    x86_64 | amd64) ensure_node_cpu=x64 ;;
    aarch64 | arm64) ensure_node_cpu=arm64 ;;
    *) ensure_node_cpu="$(uname -m)" ;;
  esac
  ensure_node_package="node-$(uname -s | tr '[:upper:]' '[:lower:]')-$ensure_node_cpu@24"
  echo "Node $(node --version 2>/dev/null || echo none) is older than 24: installing $ensure_node_package into .tools/node (once)" >&2
  npm install -g "$ensure_node_package" --prefix "$ensure_node_root/.tools/node" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
  export PATH="$ensure_node_root/.tools/node/bin:$PATH"
fi
