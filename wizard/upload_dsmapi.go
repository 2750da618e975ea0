package wizard

// dsmapi is the Data Management API route; it is being built, and until
// then says so instead of pretending.
func (u *uploader) dsmapi() error {
	return &UploadError{msg: "the Data Management API route is not available in this build", hint: "Choose the SODA route for this job."}
}
