"""The one Spectrum client: Data Exchange SOAP/REST and ODBC transports, shared by source-spectrum and destination-spectrum"""
