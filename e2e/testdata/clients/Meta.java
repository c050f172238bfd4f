import java.sql.*;

// Meta walks tarn's catalog with pgjdbc's DatabaseMetaData, as Metabase
// and DBeaver do on connect, then runs a plain and a prepared query.
// Usage: java -cp postgresql.jar Meta.java URL USER PASSWORD SCHEMA TABLE
public class Meta {
  public static void main(String[] a) throws Exception {
    String schema = a[3], table = a[4];
    try (Connection c = DriverManager.getConnection(a[0], a[1], a[2])) {
      DatabaseMetaData m = c.getMetaData();
      System.out.println("product " + m.getDatabaseProductName());
      try (ResultSet r = m.getSchemas()) { while (r.next()) System.out.println("schema " + r.getString("TABLE_SCHEM")); }
      try (ResultSet r = m.getTables(null, schema, "%", null)) { while (r.next()) System.out.println("table " + r.getString("TABLE_NAME") + " " + r.getString("TABLE_TYPE")); }
      try (ResultSet r = m.getColumns(null, schema, table, "%")) { while (r.next()) System.out.println("column " + r.getString("COLUMN_NAME") + " " + r.getString("TYPE_NAME")); }
      try (ResultSet r = m.getPrimaryKeys(null, schema, table)) { while (r.next()) System.out.println("pk " + r.getString("COLUMN_NAME")); }
      try (ResultSet r = m.getImportedKeys(null, schema, table)) { while (r.next()) System.out.println("fk " + r.getString("FKCOLUMN_NAME")); }
      try (ResultSet r = m.getIndexInfo(null, schema, table, false, true)) { while (r.next()) System.out.println("index " + r.getString("INDEX_NAME")); }
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM " + schema + "." + table)) { r.next(); System.out.println("count " + r.getLong(1)); }
      try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM " + schema + "." + table + " WHERE 1 = ?")) {
        p.setInt(1, 1);
        try (ResultSet r = p.executeQuery()) { r.next(); System.out.println("prepared " + r.getLong(1)); }
      }
    }
  }
}
