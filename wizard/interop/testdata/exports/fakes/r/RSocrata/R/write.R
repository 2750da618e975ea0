# Same signature as RSocrata 1.7's write.socrata; records the call and the
# rows in $FAKE_OUT and answers with $FAKE_STATUS (default 200).
write.socrata <- function(dataframe, dataset_json_endpoint, update_mode, email, password, app_token = NULL) {
  if (!(update_mode %in% c("UPSERT", "REPLACE"))) stop("update_mode must be UPSERT or REPLACE")
  out <- Sys.getenv("FAKE_OUT")
  n <- length(list.files(out, pattern = "^sent_")) + 1
  utils::write.csv(dataframe, file.path(out, sprintf("sent_%d.csv", n)), row.names = FALSE, na = "<NA>")
  cat(sprintf("write %s %s rows=%d login=%s secret_length=%d token=%s\n", update_mode, dataset_json_endpoint,
              nrow(dataframe), email, nchar(password), if (is.null(app_token)) "none" else "set"),
      file = file.path(out, "calls.log"), append = TRUE)
  status <- as.integer(Sys.getenv("FAKE_STATUS", "200"))
  if (identical(Sys.getenv("FAKE_FAIL_AT"), as.character(n))) status <- 503L
  body <- if (status < 300) list(Errors = 0L) else list(message = "fake refusal")
  structure(list(status = status, body = body), class = "fake_response")
}
