#!/usr/bin/env bash
# Set up .venv from nothing: pinned wheels, the ROS 2 Jazzy launch / launch_testing / ros2cli
# stack of ../shared/ros2 (with composition_interfaces and tf2_msgs), the alike_ros_msgs build, alike_ros
# (editable, and registered in the ament index so `ros2 launch/run alike_ros ...` find it) and
# the stage-1 ONNX models exported from ../shared/weights. Each step is skipped when its inputs
# did not change, so a re-run takes well under a second.
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
  rm -f "$stamps/msgs" "$stamps/composition" "$stamps/tf2_msgs"
  stamp wheels "$key"
fi

# An interface package (ament_cmake + rosidl) built into the venv: build_interfaces NAME DIR.
build_interfaces() {
  echo "[setup] building $1 into .venv"
  AMENT_PREFIX_PATH="$venv" CMAKE_PREFIX_PATH="$venv" "$venv/bin/colcon" \
    --log-base build/colcon-log build --base-paths "$2" --build-base build/colcon \
    --install-base "$venv" --merge-install \
    --cmake-args -DPython3_EXECUTABLE="$py" -DBUILD_TESTING=OFF \
    --event-handlers console_direct- summary+ > "build/colcon-$1.log" 2>&1 \
    || { tail -40 "build/colcon-$1.log" >&2
         echo "[setup] $1 failed to build (full log: build/colcon-$1.log)" >&2; exit 1; }
}

# The launch stack: Jazzy's launch, launch_testing, launch_ros, ros2cli and its verbs are not
# on PyPI; ../shared/ros2 holds them as wheels (their metadata names ROS package names that
# PyPI spells differently, hence --no-deps; their PyPI dependencies are in requirements.txt).
ros2_stack="${ALIKE_ROS_ROS2_STACK:-$root/../shared/ros2}"
if ! ls "$ros2_stack"/wheels/*.whl > /dev/null 2>&1 \
    || [ ! -d "$ros2_stack/src/composition_interfaces" ]; then
  echo "[setup] the ROS 2 launch stack is missing: no wheels/*.whl and src/composition_interfaces" \
       "in $ros2_stack (set ALIKE_ROS_ROS2_STACK to that folder)" >&2
  exit 1
fi
key=$(digest "$ros2_stack"/wheels/*.whl)
if ! fresh launch "$key"; then
  echo "[setup] installing the ROS 2 launch stack from $ros2_stack/wheels"
  "$py" -m pip install --quiet --disable-pip-version-check --no-deps "$ros2_stack"/wheels/*.whl
  stamp launch "$key"
fi
key=$(digest "$ros2_stack"/src/composition_interfaces/{package.xml,CMakeLists.txt,srv/*.srv})
if ! fresh composition "$key"; then
  build_interfaces composition_interfaces "$ros2_stack/src/composition_interfaces"
  stamp composition "$key"
fi
# tf2_msgs (TFMessage): the matcher's odom -> base_link transform on /tf where tf2_ros (not on
# PyPI) is missing; it needs geometry_msgs and action_msgs, both among the Jazzy wheels.
if [ -d "$ros2_stack/src/tf2_msgs" ]; then
  key=$(digest "$ros2_stack"/src/tf2_msgs/{package.xml,CMakeLists.txt,msg/*.msg,srv/*.srv,action/*.action})
  if ! fresh tf2_msgs "$key"; then
    build_interfaces tf2_msgs "$ros2_stack/src/tf2_msgs"
    stamp tf2_msgs "$key"
  fi
else
  echo "[setup] no $ros2_stack/src/tf2_msgs: the matcher's odometry publishes no /tf" >&2
fi

key=$(digest alike_ros_msgs/package.xml alike_ros_msgs/CMakeLists.txt alike_ros_msgs/msg/*.msg)
if ! fresh msgs "$key"; then
  build_interfaces alike_ros_msgs alike_ros_msgs
  stamp msgs "$key"
fi

key=$( (cat setup.py setup.cfg package.xml tools/setup.sh; ls launch config) | sha256sum | cut -c1-16)
if ! fresh package "$key"; then
  echo "[setup] installing alike_ros (editable)"
  "$py" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  # What colcon would install, as links into the checkout so edits take effect at once: the
  # ament index marker, share/alike_ros/{package.xml,launch,config} and lib/alike_ros/<program>
  # (where `ros2 run` and launch_ros look for executables).
  share="$venv/share/alike_ros"
  mkdir -p "$venv/share/ament_index/resource_index/packages" "$share" "$venv/lib/alike_ros"
  touch "$venv/share/ament_index/resource_index/packages/alike_ros"
  ln -sfn "$root/package.xml" "$share/package.xml"
  # File links: ros2launch walks share/ without following links to folders.
  rm -rf "$share/launch" "$share/config"
  mkdir -p "$share/launch" "$share/config"
  for f in launch/* config/*; do ln -sfn "$root/$f" "$share/$f"; done
  # `ros2`, launch and ament_index_python find packages through AMENT_PREFIX_PATH: put the venv
  # on it at interpreter start (as the ROS wheels' own .pth sets the library path), so nothing
  # needs sourcing and every process the venv's Python starts inherits it.
  site=$("$py" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  echo "import os, sys; p = os.environ.get('AMENT_PREFIX_PATH', ''); \
os.environ['AMENT_PREFIX_PATH'] = p if sys.prefix in p.split(os.pathsep) else \
os.pathsep.join(filter(None, [sys.prefix, p]))" | tr -d '\\\n' > "$site/alike_ros_ament_prefix.pth"
  echo >> "$site/alike_ros_ament_prefix.pth"
  rm -f "$venv/lib/alike_ros"/*
  for program in $("$py" -c "from importlib.metadata import entry_points
print(' '.join(e.name for e in entry_points(group='console_scripts') if e.value.startswith('alike_ros.')))"); do
    ln -sfn "$venv/bin/$program" "$venv/lib/alike_ros/$program"
  done
  stamp package "$key"
fi

weights="${ALIKE_ROS_WEIGHTS:-$root/../shared/weights/alike}"
key=$(digest alike_ros/export/*.py alike_ros/extractors/*/export.py "$weights"/*.pth)
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

"$py" -c "import rclpy, alike_ros, alike_ros_msgs.msg, launch_ros.actions, launch_testing, nav_msgs.msg" \
  || { echo "[setup] import check failed" >&2; exit 1; }
echo "[setup] ready in $(( $(date +%s) - t0 )) s: $venv"
