from . import lib, models, schemas
