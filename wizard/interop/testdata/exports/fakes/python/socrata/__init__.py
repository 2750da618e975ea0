"""Stand-in for socrata-py 1.2: the calls a generated script makes, recorded in $FAKE_OUT/calls.log."""

import os
import re
import shutil

_TYPES = {
    "to_text": "text", "to_number": "number", "to_boolean": "checkbox",
    "to_floating_timestamp": "calendar_date", "to_fixed_timestamp": "date", "to_point": "point",
    "to_multipoint": "multipoint", "to_line": "line", "to_multiline": "multiline",
    "to_polygon": "polygon", "to_multipolygon": "multipolygon",
}


def _log(line):
    with open(os.path.join(os.environ["FAKE_OUT"], "calls.log"), "a") as f:
        f.write(line + "\n")


class Socrata(object):
    def __init__(self, auth):
        self.auth = auth
        self.views = _Views()


class _Views(object):
    def lookup(self, fourfour):
        _log("lookup %s" % fourfour)
        return _View(fourfour)


class _View(object):
    def __init__(self, fourfour):
        columns = []
        for spec in filter(None, os.environ.get("FAKE_DATASET_COLUMNS", "").split(",")):
            field, kind = spec.split(":")
            columns.append({"fieldName": field, "dataTypeName": kind})
        columns.append({"fieldName": ":id", "dataTypeName": "meta_data"})
        self.attributes = {"id": fourfour, "columns": columns}
        self.revisions = _Revisions()


class _Revisions(object):
    def _create(self, action):
        _log("revision %s" % action)
        return _Revision()

    def create_update_revision(self, metadata={}, permission=None):
        return self._create("update")

    def create_replace_revision(self, metadata={}, permission=None):
        return self._create("replace")

    def create_delete_revision(self, metadata={}, permission=None):
        return self._create("delete")


class _Revision(object):
    def create_upload(self, filename):
        _log("upload %s" % filename)
        return _Upload()

    def discard(self):
        _log("discard")

    def apply(self, output_schema=None):
        _log("apply output_schema=%s" % output_schema.attributes["id"])
        return _Job()


class _Upload(object):
    def csv(self, file_handle):
        with open(os.path.join(os.environ["FAKE_OUT"], "uploaded.csv"), "wb") as out:
            shutil.copyfileobj(file_handle, out)
        return _Source()


class _Source(object):
    def wait_for_schema(self, progress=None, timeout=43200, sleeptime=1):
        return self

    def get_latest_input_schema(self):
        return _InputSchema()


class _InputSchema(object):
    def get_latest_output_schema(self):
        with open(os.path.join(os.environ["FAKE_OUT"], "uploaded.csv"), encoding="utf-8") as f:
            header = f.readline().strip().split(",")
        columns = [{"field_name": h, "transform": {"transform_expr": "`%s`" % h, "output_soql_type": "text"}}
                   for h in header]
        return _OutputSchema(1, columns)


class _Change(object):
    def __init__(self, schema, field):
        self.schema, self.field = schema, field

    def to(self, expression):
        self.schema.changes.append((self.field, expression))
        return self.schema


class _OutputSchema(object):
    def __init__(self, id, columns):
        errors = int(os.environ.get("FAKE_ERROR_COUNT", "0"))
        self.attributes = {"id": id, "output_columns": columns, "error_count": errors}
        self.changes = []

    def change_column_transform(self, field_name):
        return _Change(self, field_name)

    def run(self):
        columns = [dict(c, transform=dict(c["transform"])) for c in self.attributes["output_columns"]]
        for field, expression in self.changes:
            matches = [c for c in columns if c["field_name"] == field]
            if not matches:
                raise ValueError("Column `%s` does not exist" % field)
            function = re.match(r"(\w+)\(", expression).group(1)
            matches[0]["transform"] = {"transform_expr": expression, "output_soql_type": _TYPES[function]}
            _log("transform %s = %s" % (field, expression))
        return _OutputSchema(self.attributes["id"] + 1, columns)

    def wait_for_finish(self, progress=None, timeout=10800, sleeptime=1):
        return self

    def schema_errors_csv(self):
        return _Response(b"row,error\n2,not a number\n")


class _Response(object):
    def __init__(self, body):
        self.body = body

    def iter_content(self, size):
        yield self.body


class _Job(object):
    def __init__(self):
        self.attributes = {"status": "successful"}

    def wait_for_finish(self, progress=None, timeout=None, sleeptime=1):
        if progress:
            progress(self)
        return self
