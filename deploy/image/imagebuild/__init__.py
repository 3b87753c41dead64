"""What the two image builders share (deploy/image/build.py, the archive's; deploy/s3/build.py, the S3 server's):

    common  errors, logging, downloads, the version and the date of the source the image is built from
    debian  the Debian lock: the mirror's signed index (gpgv), the locked .debs checked by hash, a flat repository
    oci     the deterministic layer tar and the OCI archive that `docker load` and `podman load` take
"""
