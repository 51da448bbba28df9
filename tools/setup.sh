#!/usr/bin/env bash
# Set up .venv from nothing: pinned wheels, the alike_ros_msgs build, alike_ros (editable),
# and the stage-1 ONNX models exported from ../shared/weights. Each step is skipped when
# its inputs did not change, so a re-run takes seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv="$root/.venv"
py="$venv/bin/python"
stamps="$venv/.alike_ros_stamps"

# Hash of the files a step depends on.
digest() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
# Run step $1 unless its stamp holds $2.
fresh() { [ -f "$stamps/$1" ] && [ "$(cat "$stamps/$1")" = "$2" ]; }
stamp() { mkdir -p "$stamps"; echo "$2" > "$stamps/$1"; }

t0=$(date +%s)
mkdir -p build
if [ ! -x "$py" ]; then
  echo "[setup] creating .venv"
  python3 -m venv "$venv"
fi

key=$(digest requirements.txt)
if ! fresh wheels "$key"; then
  echo "[setup] installing pinned wheels (requirements.txt)"
  "$py" -m pip install --quiet --disable-pip-version-check -r requirements.txt 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  "$py" -c "import rclpy, numpy, cv2, onnxruntime, rosbags" \
    || { echo "[setup] the wheels did not install; see pip's output above" >&2; exit 1; }
  # The message wheels' CMake exports name the include dirs of the machine that built them;
  # point them at this interpreter and this numpy (touches only files inside .venv).
  inc=$("$py" -c "import sysconfig; print(sysconfig.get_paths()['include'])")
  npinc=$("$py" -c "import numpy; print(numpy.get_include())")
  grep -rlZ --include='*.cmake' /opt/python/cp311-cp311 "$venv/share" \
    | xargs -0 -r sed -i \
      -e "s#/opt/python/cp311-cp311/lib/python3.11/site-packages/numpy/_core/include#$npinc#g" \
      -e "s#/opt/python/cp311-cp311/include/python3.11#$inc#g" || true
  rm -f "$stamps/msgs"
  stamp wheels "$key"
fi

key=$(digest alike_ros_msgs/package.xml alike_ros_msgs/CMakeLists.txt alike_ros_msgs/msg/*.msg)
if ! fresh msgs "$key"; then
  echo "[setup] building alike_ros_msgs into .venv"
  export AMENT_PREFIX_PATH="$venv" CMAKE_PREFIX_PATH="$venv"
  "$venv/bin/colcon" --log-base build/colcon-log build \
    --base-paths alike_ros_msgs --build-base build/colcon --install-base "$venv" --merge-install \
    --cmake-args -DPython3_EXECUTABLE="$py" -DBUILD_TESTING=OFF \
    --event-handlers console_direct- summary+ > build/colcon.log 2>&1 \
    || { tail -40 build/colcon.log >&2; echo "[setup] alike_ros_msgs failed to build (full log: build/colcon.log)" >&2; exit 1; }
  stamp msgs "$key"
fi

key=$(digest setup.py setup.cfg package.xml)
if ! fresh package "$key"; then
  echo "[setup] installing alike_ros (editable)"
  "$py" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  stamp package "$key"
fi

weights="${ALIKE_ROS_WEIGHTS:-$root/../shared/weights/alike}"
key=$(digest alike_ros/export/*.py "$weights"/*.pth)
if ! fresh models "$key"; then
  if ls "$weights"/*.pth > /dev/null 2>&1; then
    echo "[setup] exporting stage-1 models from $weights"
    ALIKE_ROS_WEIGHTS="$weights" "$venv/bin/alike-ros" export --model all --form exact,tidl \
      > build/export.log 2>&1 || { cat build/export.log >&2; exit 1; }
    stamp models "$key"
  else
    echo "[setup] no weights in $weights: skipping model export (set ALIKE_ROS_WEIGHTS)"
  fi
fi

"$py" -c "import rclpy, alike_ros, alike_ros_msgs.msg" \
  || { echo "[setup] import check failed" >&2; exit 1; }
echo "[setup] ready in $(( $(date +%s) - t0 )) s: $venv"
