// Package socratatest is an in-process Socrata portal, in the manner of
// net/http/httptest: every test of the socrata client and the wizard
// talks to it on loopback, and `socrata-wizard demo` runs the wizard
// against it.
//
// It speaks the wire format on its own, from Socrata's documentation and
// OpenAPI specs, and shares no code with package socrata, so a
// misreading of the API in the client is not mirrored here.
//
// # What it serves
//
//   - GET /api/users/current.json: the signed-in user (401 otherwise).
//   - GET /api/catalog/v1: the Discovery API with domains, search_context,
//     only, q, ids, names, categories, tags, column_names, for_user,
//     shared_to, order, limit, offset and scroll_id. As on a real portal,
//     offset+limit past 10,000 is a 400, and any parameter it does not
//     know is taken as a custom-metadata filter that matches nothing.
//   - GET /api/views/{id}.json: the view with its columns (system columns
//     and, on the bridge sample, a computed region column included),
//     rowIdentifierColumnId, owner, newBackend and the caller's rights.
//   - GET /resource/{id}.json and .csv with $limit, $offset, $order,
//     $select and field=value filters; $select=count(*) (optionally "AS
//     name") answers [{"count":"30"}], counting without collecting rows;
//     GET /api/views/{id}/rows.csv.
//   - POST /resource/{id}.json (upsert, append, ":deleted" deletes) and
//     PUT (an all-or-nothing replace), with JSON arrays or CSV bodies,
//     values checked against column types, and results in the configured
//     [WriteShape]. DELETE /resource/{id}/{rowid}.json.
//   - The Data Management API (/api/publishing/v1) an uploader needs:
//     revisions on existing datasets (update, replace, delete), upload
//     sources taking their bytes in one request or in chunks (in parallel,
//     in any order; every chunk but the last the same size, none larger
//     than the preferred_chunk_size of [WithChunkSize]), input schemas
//     parsed from the CSV header, output schemas mapped onto the dataset's
//     columns by field name, transforms (column references, literals and
//     null, to_text, to_number, to_boolean, to_floating_timestamp and
//     to_fixed_timestamp with an optional strftime format or, between the
//     two kinds of timestamp, a time zone, to_point, forgive with an
//     optional default, and coalesce, which stops at an error as well as at
//     a value, so two date formats are coalesce(forgive(first), second)),
//     error rows as CSV, and applies that run as task sets. Answers are wrapped as
//     {"resource", "links"}, and errors are {"key", "message", "params"}.
//     Uploads are spooled to a temporary file and every pass over them
//     streams, so memory stays flat.
//
// [NewTLSServer] serves it over https, like httptest.NewTLSServer, with a
// certificate made at start by [NewCertificate]: an authority of its own
// and a server certificate for 127.0.0.1, ::1 and localhost (ECDSA).
// [Certificate.WriteTrustFiles] writes the authority's PEM for other
// clients (REQUESTS_CA_BUNDLE for socrata-py, SSL_CERT_FILE for Go, curl
// --cacert) and an R profile that makes httr trust it.
//
// Authentication is HTTP Basic with a username (email) and password or an
// API key id and secret; anything else in an Authorization header is a
// 401. Anonymous requests read public assets only.
//
// # Behaviour a client can rely on (and that a real portal may not have)
//
//   - An unknown field name in a write is a 400 for the whole request; a
//     value that does not fit its column is a row error, and the other
//     rows are applied.
//   - A replace with any bad row is a 400 whose data.errors lists the
//     rows, and changes nothing.
//   - A dataset made with DiscardRows validates and counts rows without
//     storing them, so every upsert counts as a create.
//   - A dataset made with Sink is a sink for benchmarks: it counts rows and
//     checks nothing. SODA bodies are read once and their records counted
//     by a byte scan, each reported as created; Data Management API uploads
//     are counted as their chunks arrive and never spooled, their schemas
//     are finished when the upload is committed, and an apply has
//     succeeded by the time its reply is sent.
//   - Parsing an upload, working out an output schema and applying a
//     revision happen in the background: poll the source until it has
//     schemas, the output schema until completed_at (also finished_at) is
//     set, and the revision (or apply/{id}) until the task set's status is
//     "successful" or "failure". The last log entry's details hold the
//     counts: created, updated, deleted, error_rows, not_found; a failure's
//     details hold a message saying why.
//   - An output schema's error_count counts rows with at least one error;
//     each transform's error_count counts its cells. The error rows CSV is
//     the file's header and rows with an "error" column added.
//   - An apply fails, changing nothing, when an output column is not a
//     column of the dataset (a real portal would add it), when a transform
//     did not compile, and when a replace still has error rows. An update
//     leaves error rows out and applies the rest.
//
// # What the real clients read
//
// Answers follow Socrata's OpenAPI spec of the Publishing API, status
// codes included (201 for a new revision, source or upload, 202 for a
// revision update and for GET apply/{id}, 201 for a discard), except
// where a real client shows otherwise: a transform answers with the new
// output schema, not the input schema the spec names, as socrata-py's
// InputSchema.transform reads it. Each answer has the keys that the
// client libraries publishers run read from it (tested by
// TestDSMAPIAnswersHaveWhatClientsRead and the SODA write tests):
//
//	answer               keys read (py: socrata-py, sj: soda-java,     where: file, function
//	                     ds: DataSync, R: RSocrata)
//	revision             py: links show, update, apply, discard,       py revisions.py Revisions._create,
//	                     create_source, list_sources (each a method);  Revision.get_output_schema;
//	                     fourfour, revision_seq, output_schema_id      resource.py _define_operations
//	source               py: links show, bytes, initiate, chunk,       py sources.py Source._chunked_bytes,
//	                     commit, input_schema_links and within it      wait_for_schema, wait_for_finish;
//	                     output_schema_links (templates); schemas,     resource.py ChildResourceSpec
//	                     failed_at, finished_at
//	initiate             py: preferred_chunk_size,                     py sources.py Source._chunked_bytes
//	                     preferred_upload_parallelism
//	input schema         py: output_schemas[].id; links with           py input_schema.py InputSchema
//	                     output_schema_links                           .get_latest_output_schema, child_specs
//	output schema        py: completed_at, finished_at, error_count,   py output_schema.py OutputSchema
//	(show, transform)    sort_bys, output_columns[] (id, field_name,   .wait_for_finish, any_failed, run,
//	                     position, transform.transform_expr, .id,      validate_row_id; revisions.py
//	                     .failed_at); links show, schema_errors        Revision.apply
//	apply, apply/{id}    py: links show (the Job waits by calling      py revisions.py Revision.apply;
//	                     it); finished_at, status, key                 job.py Job.wait_for_finish
//	any DSMAPI answer    py: 200/201/202 succeed, others raise with    py http.py respond, is_json;
//	                     the JSON body; Content-Type must be there;    resource.py _wait_for_finish
//	                     5xx while waiting is retried 5 times
//	SODA write           sj, ds: an array is the per-row stream (typ,  sj Soda2Producer.java
//	                     id, ver, err; unknown typ skipped); an        .deserializeUpsertResult;
//	                     object is rows_created, rows_updated,         UpsertResult.java, UpsertError.java;
//	                     rows_deleted, errors[] (error, input_index,   ds Soda2Publisher.java
//	                     primary_key): legacy keys read as zeros.      .publishViaSoda2, deleteRows
//	                     R: nothing; its caller reads the answer       R writeData.R write.socrata
//	SODA error           sj: errorCode (not code), message, data; a    sj HttpLowLevel.java .processErrors,
//	                     400 message "Row data was saved. ..."         SodaErrorResponse.java
//
// socratatest sends SODA errors as Socrata documents them, {"code",
// "error", "message", "data"}, so soda-java does not see their code; it
// does not serve DataSync's own /datasync endpoints (its replace through
// delta-importer-2), configs, row previews or validate_row_identifier,
// although their links are there as on a real portal.
//
// # Faults
//
// [Portal.SetFault] and [Portal.FailNext] inject a [Fault] into requests:
// a status with headers and body ([RateLimited], [Unavailable],
// [ProxyTimeout]), possibly after the request was applied; a connection
// dropped before the request is read ([DropConnection]) or after it was
// applied ([LoseReply]); a redirect to the same request on this host or
// another; a delay before any header; an answer stalled or cut in the
// middle of its body; a SODA write answer that does not add up (a
// stream entry of an unknown typ, missing entries, counts off); or a
// body that echoes the request's credentials (JSON, HTML or plain text).
// [Portal.Requests] logs what arrived, without credentials but with the
// host it was sent to and whether it carried an app token.
//
// [ParseFaults] reads the same faults by name, as `socrata-wizard portal
// --faults` does, with the share of requests each hits drawn from a
// seeded source so that a run repeats:
//
//	redirect-writes[=CODE]        writes answered 301 (or 302, 303, 307, 308)
//	redirect-writes-away[=CODE]   the same, to this portal's other loopback name
//	redirect-reads[-away][=CODE]  the same for reads
//	slow[=30s]                    no headers before the delay
//	stall[=30s]                   half the answer, a wait, then the rest
//	truncate                      half the answer, then the connection closes
//	drop, drop-after              connection closed before, or after, handling
//	throttle[=5], unavailable[=5] 429 or 503 with Retry-After seconds
//	gateway-timeout               a proxy's 504 HTML page
//	fail-after-apply              500 after a SODA upsert or replace, or an apply
//	stream-unknown[=N]            SODA answer as a stream, N entries of unknown typ
//	stream-missing[=N]            SODA answer as a stream, N entries short
//	counts-off[=N]                SODA and apply counts N rows too many (or few)
//	echo-credentials[=FORM][:ST]  an error body repeating the credentials
//	seed=N                        seed of the draws (default 1)
//
// Each takes a share, as in drop=5% or slow=30s:10%, and those that may
// hit any request take reads or writes, as in truncate:reads; [FaultUsage]
// says it all. A request that follows an injected redirect is never
// faulted again.
//
// # Secrets
//
// Nothing secret is in the source or in fixtures: every password and API
// key is generated with crypto/rand per portal, or supplied by the test.
package socratatest
