# dynamic @VALUE_OPTIONS@
