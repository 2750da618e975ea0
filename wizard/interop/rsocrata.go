package interop

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"text/template"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// errNoRSocrataDelete is returned by ExportRSocrata for delete jobs:
// RSocrata's write.socrata can only upsert or replace.
var errNoRSocrataDelete = errors.New("RSocrata cannot delete rows: its write.socrata only upserts or replaces; " +
	"use the DataSync or socrata-py export, or socrata-wizard itself, for this delete job")

// ExportRSocrata writes <name>_rsocrata.R into dir: an R script that reads
// the job's file, shapes it as the job says (header check, ignored
// columns dropped, numbers cleaned, Y/N read, dates parsed with the job's
// patterns and written as ISO 8601, points built as WKT), and sends it with
// RSocrata's write.socrata: UPSERT for upsert and append (in chunks of the
// job's batch size, 10,000 rows by default, because write.socrata sends
// one request and the portal refuses very large ones), REPLACE for
// replace. Credentials come from Sys.getenv, with no default. Delete jobs
// are refused with ErrNoRSocrataDelete.
func ExportRSocrata(j *wizard.Job, dir string) (*Export, error) {
	if j.Method == wizard.Delete {
		if err := j.Validate(); err != nil {
			return nil, err
		}
		return nil, errNoRSocrataDelete
	}
	name, file, err := exportBase(j)
	if err != nil {
		return nil, err
	}
	d, err := buildScriptData(j, file, timestamp.RStrptime)
	if err != nil {
		return nil, err
	}
	for _, c := range d.Columns {
		if len(c.Formats) > 1 && slices.Contains(c.Formats, "") {
			return nil, fmt.Errorf("file column %q accepts ISO8601 beside other date patterns, which the R script cannot mix: "+
				"replace ISO8601 with the pattern its values use, such as yyyy-MM-dd'T'HH:mm:ss, or use the DataSync or socrata-py export", c.Source)
		}
	}
	ex := &Export{}
	for _, m := range mapped(j) {
		if m.Kind == socrata.Location {
			ex.warnf("Field %q is a legacy Location column; write.socrata sends its text as is, which the portal may reject.", m.Field)
		}
	}
	if j.Method == wizard.Replace {
		ex.warnf("write.socrata sends a replace as one request holding every row; for files of more than a few hundred thousand rows the portal may refuse it (413), so use the DataSync export or socrata-wizard.")
	}
	ex.warnf("Empty values are left out of the rows write.socrata sends, so an upsert keeps a field's old value where the file is empty (socrata-wizard and DataSync set it to empty).")
	var buf bytes.Buffer
	if err := rsocrataTemplate.Execute(&buf, d); err != nil {
		return nil, err
	}
	if err := ex.write(filepath.Join(dir, name+"_rsocrata.R"), buf.Bytes(), 0o755); err != nil {
		return nil, err
	}
	return ex, nil
}

var rsocrataTemplate = template.Must(template.New("r").Funcs(scriptFuncs).Parse(`#!/usr/bin/env Rscript
# Publish {{c .FileName}} to {{c .Title}} ({{.Dataset}}) on {{c .Domain}}: {{.Method}}.
#
# Made by socrata-wizard from a job file. It uses RSocrata's write.socrata:
#   install.packages("RSocrata")   (or remotes::install_github("Chicago/RSocrata"))
#
# Credentials come from the environment, never from this file, and there is
# no default to fill in:
#   SOCRATA_KEY_ID and SOCRATA_KEY_SECRET   an API key (recommended; create one at
#                                           {{.DeveloperSettings}})
#   or SOCRATA_USERNAME and SOCRATA_PASSWORD
# Optional: SOCRATA_APP_TOKEN.
#
# Run: Rscript this_file.R   Exit status 0 on success, 1 on any error.

suppressPackageStartupMessages(library(RSocrata))

dataset_url <- {{q .ResourceURL}}
data_file   <- {{q .File}}
encoding    <- {{q .Encoding}}
delimiter   <- {{q .Delimiter}}
has_header  <- {{if .Header}}TRUE{{else}}FALSE{{end}}
quote_char  <- {{if .NoQuote}}""  # quotes are ordinary characters in this file{{else}}"\""{{end}}
update_mode <- {{if eq .Action "replace"}}"REPLACE"{{else}}"UPSERT"{{end}}
chunk_rows  <- {{.ChunkRows}}

# One row per file column, in file order: header, dataset field ("" = ignored),
# type, zone for zone-less fixed timestamps, strip number formatting, read Y/N
# as a checkbox.
columns <- data.frame(
  source  = c({{range $i, $c := .Columns}}{{if $i}}, {{end}}{{q $c.Source}}{{end}}),
  field   = c({{range $i, $c := .Columns}}{{if $i}}, {{end}}{{q $c.Field}}{{end}}),
  kind    = c({{range $i, $c := .Columns}}{{if $i}}, {{end}}{{q $c.Kind}}{{end}}),
  zone    = c({{range $i, $c := .Columns}}{{if $i}}, {{end}}{{q $c.Timezone}}{{end}}),
  clean   = c({{range $i, $c := .Columns}}{{if $i}}, {{end}}{{if $c.Clean}}TRUE{{else}}FALSE{{end}}{{end}}),
  yes_no  = c({{range $i, $c := .Columns}}{{if $i}}, {{end}}{{if $c.YesNo}}TRUE{{else}}FALSE{{end}}{{end}}),
  stringsAsFactors = FALSE
)

# The strptime patterns each file column's dates are read with, tried in
# order (character(0) = ISO 8601, sent as it is).
patterns <- list({{range $i, $c := .Columns}}{{if $i}}, {{end}}{{if $c.Formats}}c({{range $k, $f := $c.Formats}}{{if $k}}, {{end}}{{q $f}}{{end}}){{else}}character(0){{end}}{{end}})

# Point fields built from a latitude and a longitude column (file headers).
points <- list({{range $i, $p := .Points}}{{if $i}},{{end}}
  list(field = {{q $p.Field}}, latitude = {{q $p.Latitude}}, longitude = {{q $p.Longitude}}){{end}}
)

fail <- function(...) {
  message("error: ", ...)
  quit(status = 1, save = "no")
}

login  <- Sys.getenv("SOCRATA_KEY_ID")
secret <- Sys.getenv("SOCRATA_KEY_SECRET")
if (!nzchar(login) && !nzchar(secret)) {
  login  <- Sys.getenv("SOCRATA_USERNAME")
  secret <- Sys.getenv("SOCRATA_PASSWORD")
}
if (!nzchar(login) || !nzchar(secret)) {
  fail("set SOCRATA_KEY_ID and SOCRATA_KEY_SECRET (or SOCRATA_USERNAME and SOCRATA_PASSWORD) first.")
}
app_token <- Sys.getenv("SOCRATA_APP_TOKEN")
if (!nzchar(app_token)) app_token <- NULL

file_encoding <- if (encoding == "utf-8") "UTF-8-BOM" else toupper(encoding)
raw <- utils::read.table(data_file, sep = delimiter, header = has_header, quote = quote_char,
                         colClasses = "character", check.names = FALSE, na.strings = character(0),
                         comment.char = "", fill = FALSE, fileEncoding = file_encoding,
                         blank.lines.skip = TRUE)
if (ncol(raw) != nrow(columns)) {
  fail(data_file, " has ", ncol(raw), " columns; the job expects ", nrow(columns))
}
if (has_header && !identical(names(raw), columns$source)) {
  fail("the columns of ", data_file, " have changed since the job was made.\n  expected: ",
       paste(columns$source, collapse = ", "), "\n  found:    ", paste(names(raw), collapse = ", "))
}

# Reads dates with a strptime pattern in zone. A two-digit year (%y) is read as
# 1950 to 2049 and a four-digit one as written, as socrata-wizard and DataSync
# read yy: strptime's own %y reads 69-99 as 19xx and 00-68 as 20xx, and takes
# the first two digits of a longer year. So %y is read as %Y, and a year below
# 100 is moved into 1950-2049.
read_dates <- function(values, pattern, zone) {
  plain <- gsub("%%", "\001", pattern, fixed = TRUE)  # so that a literal % before y is not %y
  if (!grepl("%y", plain, fixed = TRUE)) return(as.POSIXct(values, format = pattern, tz = zone))
  lt <- strptime(values, gsub("\001", "%%", gsub("%y", "%Y", plain, fixed = TRUE), fixed = TRUE), tz = zone)
  short <- !is.na(lt) & lt$year < 100 - 1900
  lt$year[short] <- lt$year[short] + ifelse(lt$year[short] < 50 - 1900, 2000, 1900)
  lt$isdst[short] <- -1L
  as.POSIXct(lt, tz = zone)
}

convert <- function(values, i) {
  values <- trimws(values)
  if (columns$clean[i]) values <- gsub("[[:space:],$%\u20ac\u00a3\u00a5]", "", values)
  if (columns$yes_no[i]) {
    low <- tolower(values)
    values[low %in% c("y", "yes", "1")] <- "true"
    values[low %in% c("n", "no", "0")] <- "false"
  }
  kind <- columns$kind[i]
  pats <- patterns[[i]]
  if (kind %in% c("floating_timestamp", "fixed_timestamp") && length(pats) > 0) {
    zone <- if (kind == "fixed_timestamp") columns$zone[i] else "UTC"
    parsed <- .POSIXct(rep(NA_real_, length(values)), tz = zone)
    for (pattern in pats) {
      todo <- nzchar(values) & is.na(parsed)
      if (any(todo)) parsed[todo] <- read_dates(values[todo], pattern, zone)
    }
    bad <- nzchar(values) & is.na(parsed)
    if (any(bad)) {
      fail("column ", columns$source[i], ": ", sum(bad), " values do not match the date pattern ",
           paste(pats, collapse = " or "), ", for example ", values[bad][1])
    }
    values <- if (kind == "fixed_timestamp") {
      format(parsed, "%Y-%m-%dT%H:%M:%SZ", tz = "UTC")
    } else {
      format(parsed, "%Y-%m-%dT%H:%M:%S", tz = "UTC")
    }
  }
  values[!nzchar(values) | is.na(values)] <- NA
  values
}

rows <- data.frame(row.names = seq_len(nrow(raw)))
for (i in seq_len(nrow(columns))) {
  if (nzchar(columns$field[i])) rows[[columns$field[i]]] <- convert(raw[[i]], i)
}
for (p in points) {
  y <- trimws(raw[[match(p$latitude, columns$source)]])
  x <- trimws(raw[[match(p$longitude, columns$source)]])
  rows[[p$field]] <- ifelse(nzchar(x) & nzchar(y), paste0("POINT (", x, " ", y, ")"), NA)
}

# applied counts the rows the portal has already accepted, so that a failure
# part-way through a chunked upsert says exactly what was applied.
applied <- 0
send <- function(part, mode) {
  response <- write.socrata(part, dataset_url, mode, login, secret, app_token = app_token)
  status <- httr::status_code(response)
  body <- tryCatch(httr::content(response, as = "parsed"), error = function(e) NULL)
  already <- if (applied > 0) {
    paste0("; rows 1 to ", applied, " were already applied, and running this script again is safe")
  } else ""
  if (status >= 300) {
    detail <- if (is.list(body) && !is.null(body$message)) body$message else httr::http_status(response)$message
    fail("the portal refused the ", mode, " (HTTP ", status, "): ", detail, already)
  }
  if (is.list(body) && !is.null(body$Errors) && body$Errors > 0) {
    fail("the portal rejected ", body$Errors, " rows of this ", mode, already)
  }
  applied <<- applied + nrow(part)
  body
}

if (update_mode == "REPLACE" || nrow(rows) <= chunk_rows) {
  send(rows, update_mode)
} else {
  for (start in seq(1, nrow(rows), by = chunk_rows)) {
    end <- min(start + chunk_rows - 1, nrow(rows))
    send(rows[start:end, , drop = FALSE], update_mode)
    message("sent rows ", start, " to ", end, " of ", nrow(rows))
  }
}
message("done: ", nrow(rows), " rows sent to ", dataset_url, " (", update_mode, ")")
`))
