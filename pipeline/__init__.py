"""jixiao pipeline: CLI, the per-file flow, the record and the validators."""
import logging

# jieba announces its dictionary load ("Building prefix dict…") on stderr at DEBUG level, and sets
# that level itself on import; a disabled logger stays silent whatever level it is given later.
logging.getLogger("jieba").disabled = True
