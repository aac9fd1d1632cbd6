# Sourced by the bench scripts: sets `models` to Vidi's model folder, as the model store finds
# it ($VIDI_HOME, else $XDG_CACHE_HOME/vidi, else ~/.cache/vidi).
if [ -n "${VIDI_HOME:-}" ]; then
  models="$VIDI_HOME/models"
elif [[ "${XDG_CACHE_HOME:-}" == /* ]]; then
  models="$XDG_CACHE_HOME/vidi/models"
else
  models="$HOME/.cache/vidi/models"
fi
