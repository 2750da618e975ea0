module github.com/ctopendata/socrata-wizard

go 1.25.0
