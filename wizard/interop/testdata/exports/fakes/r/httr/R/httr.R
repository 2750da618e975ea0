status_code <- function(x) x$status
content <- function(x, as = "parsed", ...) x$body
http_status <- function(x) list(message = paste("status", x$status))
