# The Debian 12 package of opchat (`make deb`: CPack's DEB generator), included from the
# top-level CMakeLists.txt. Installs /usr/bin/opchat, /etc/opchat/opchat.toml (a conffile),
# the systemd unit, man pages made from --help (target opchat_man, needs help2man) and the
# documentation; packaging/deb/postinst creates the opchat system user.
set(OPCHAT_DEB_DIR ${CMAKE_SOURCE_DIR}/packaging/deb)
set(OPCHAT_MAN_DIR ${CMAKE_BINARY_DIR}/man)
set(OPCHAT_DOC_DIR ${CMAKE_BINARY_DIR}/debdoc)

set(OPCHAT_MAN_PAGES opchat opchat-serve opchat-client opchat-client-add opchat-client-list
    opchat-client-disable opchat-client-enable opchat-client-rotate opchat-sign opchat-demo
    opchat-backup opchat-migrate opchat-import opchat-import-ndjson opchat-import-easemob
    opchat-export opchat-transcript)
list(TRANSFORM OPCHAT_MAN_PAGES PREPEND ${OPCHAT_MAN_DIR}/ OUTPUT_VARIABLE man_outputs)
list(TRANSFORM man_outputs APPEND .1.gz)
add_custom_command(
  OUTPUT ${man_outputs}
  COMMAND ${OPCHAT_DEB_DIR}/make-man.sh $<TARGET_FILE:opchat> ${PROJECT_VERSION} ${OPCHAT_MAN_DIR}
  DEPENDS opchat ${OPCHAT_DEB_DIR}/make-man.sh
  COMMENT "man pages from opchat --help")
set(doc_outputs ${OPCHAT_DOC_DIR}/changelog.Debian.gz ${OPCHAT_DOC_DIR}/configuration.md.gz
    ${OPCHAT_DOC_DIR}/operations.md.gz ${OPCHAT_DOC_DIR}/api.md.gz ${OPCHAT_DOC_DIR}/openapi.yaml.gz)
add_custom_command(
  OUTPUT ${doc_outputs}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${OPCHAT_DOC_DIR}
  COMMAND gzip -9n -c ${OPCHAT_DEB_DIR}/changelog > ${OPCHAT_DOC_DIR}/changelog.Debian.gz
  COMMAND gzip -9n -c ${CMAKE_SOURCE_DIR}/docs/configuration.md > ${OPCHAT_DOC_DIR}/configuration.md.gz
  COMMAND gzip -9n -c ${CMAKE_SOURCE_DIR}/docs/operations.md > ${OPCHAT_DOC_DIR}/operations.md.gz
  COMMAND gzip -9n -c ${CMAKE_SOURCE_DIR}/docs/api.md > ${OPCHAT_DOC_DIR}/api.md.gz
  COMMAND gzip -9n -c ${CMAKE_SOURCE_DIR}/docs/openapi.yaml > ${OPCHAT_DOC_DIR}/openapi.yaml.gz
  DEPENDS ${OPCHAT_DEB_DIR}/changelog ${CMAKE_SOURCE_DIR}/docs/configuration.md
          ${CMAKE_SOURCE_DIR}/docs/operations.md ${CMAKE_SOURCE_DIR}/docs/api.md
          ${CMAKE_SOURCE_DIR}/docs/openapi.yaml)
add_custom_target(opchat_deb_files DEPENDS ${man_outputs} ${doc_outputs})

install(TARGETS opchat RUNTIME DESTINATION bin)
# 0644 as shipped; postinst makes it root:opchat 0640, as it may come to hold secrets.
install(FILES ${OPCHAT_DEB_DIR}/opchat.toml DESTINATION /etc/opchat)
install(FILES ${OPCHAT_DEB_DIR}/lintian-overrides DESTINATION share/lintian/overrides RENAME opchat)
install(FILES ${OPCHAT_DEB_DIR}/opchat.service DESTINATION /lib/systemd/system)
install(FILES ${man_outputs} DESTINATION share/man/man1)
install(FILES ${OPCHAT_DEB_DIR}/copyright ${doc_outputs} DESTINATION share/doc/opchat)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME opchat)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "opchat maintainers <opchat@example.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "chat-history service of a customer-service platform")
set(CPACK_PACKAGE_DESCRIPTION "opchat serves the operator side of the Op API v2: the paged
history of customer-service chats and their lifecycle, with signed requests
(MD5 or HMAC-SHA256), Qiniu-format media URLs, search, transcripts and Easemob
import. It stores its data in SQLite (the packaged default, /var/lib/opchat)
or PostgreSQL.")
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.54~), tzdata")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${OPCHAT_DEB_DIR}/postinst ${OPCHAT_DEB_DIR}/prerm ${OPCHAT_DEB_DIR}/postrm ${OPCHAT_DEB_DIR}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
include(CPack)
