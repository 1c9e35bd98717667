// Poetry module.
