// What holds a partition's last stable offset back: for each partition given, the producers the leader
// knows, and for those with an open transaction, what the transaction coordinator says of it.
// Run by @wabridge/local-kafka (describeOpenTransactions) as a single-file program on the broker's own
// jars: java [-Dtimeout.ms=N] -cp '<kafka libs>/*' OpenTransactions.java <bootstrap> <topic>:<partition>...
// Prints one JSON object per partition on a line starting with "OPEN-TXN ".
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.TopicPartition;

public class OpenTransactions {
  static String str(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: OpenTransactions <bootstrap> <topic>:<partition>...");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("client.id", "wabridge-open-transactions");
    // -Dtimeout.ms: how long each admin call may take (default 20 s).
    long timeoutMs = Long.getLong("timeout.ms", 20_000L);
    props.put("request.timeout.ms", String.valueOf(Math.min(timeoutMs, 10_000L)));
    props.put("default.api.timeout.ms", String.valueOf(timeoutMs));
    List<TopicPartition> partitions = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      int colon = args[i].lastIndexOf(':');
      partitions.add(new TopicPartition(args[i].substring(0, colon), Integer.parseInt(args[i].substring(colon + 1))));
    }
    try (Admin admin = Admin.create(props)) {
      Map<TopicPartition, Collection<ProducerState>> producers = new HashMap<>();
      for (TopicPartition tp : partitions) {
        producers.put(tp, admin.describeProducers(List.of(tp)).partitionResult(tp).get(timeoutMs, TimeUnit.MILLISECONDS).activeProducers());
      }
      Map<Long, TransactionListing> byProducer = new HashMap<>();
      for (TransactionListing l : admin.listTransactions().all().get(timeoutMs, TimeUnit.MILLISECONDS)) byProducer.put(l.producerId(), l);
      Map<String, TransactionDescription> described = new HashMap<>();
      List<String> wanted = new ArrayList<>();
      for (Collection<ProducerState> states : producers.values()) {
        for (ProducerState p : states) {
          TransactionListing l = byProducer.get(p.producerId());
          if (p.currentTransactionStartOffset().isPresent() && l != null && !wanted.contains(l.transactionalId())) wanted.add(l.transactionalId());
        }
      }
      if (!wanted.isEmpty()) described.putAll(admin.describeTransactions(wanted).all().get(timeoutMs, TimeUnit.MILLISECONDS));
      long now = System.currentTimeMillis();
      for (TopicPartition tp : partitions) {
        StringBuilder out = new StringBuilder("OPEN-TXN {\"topic\":").append(str(tp.topic())).append(",\"partition\":").append(tp.partition()).append(",\"producers\":[");
        boolean first = true;
        for (ProducerState p : producers.get(tp)) {
          if (!first) out.append(',');
          first = false;
          TransactionListing l = byProducer.get(p.producerId());
          out.append("{\"producerId\":").append(p.producerId())
            .append(",\"producerEpoch\":").append(p.producerEpoch())
            .append(",\"lastSequence\":").append(p.lastSequence())
            .append(",\"lastTimestampAgoMs\":").append(now - p.lastTimestamp())
            .append(",\"openTransactionStartOffset\":").append(p.currentTransactionStartOffset().isPresent() ? String.valueOf(p.currentTransactionStartOffset().getAsLong()) : "null")
            .append(",\"transactionalId\":").append(l == null ? "null" : str(l.transactionalId()))
            .append(",\"coordinatorState\":").append(l == null ? "null" : str(l.state().toString()));
          TransactionDescription d = l == null ? null : described.get(l.transactionalId());
          if (d != null) {
            out.append(",\"coordinatorEpoch\":").append(d.producerEpoch())
              .append(",\"transactionTimeoutMs\":").append(d.transactionTimeoutMs())
              .append(",\"transactionStartedAgoMs\":").append(d.transactionStartTimeMs().isPresent() ? String.valueOf(now - d.transactionStartTimeMs().getAsLong()) : "null")
              .append(",\"transactionPartitions\":[");
            boolean f2 = true;
            for (TopicPartition t : d.topicPartitions()) {
              if (!f2) out.append(',');
              f2 = false;
              out.append(str(t.topic() + ":" + t.partition()));
            }
            out.append(']');
          }
          out.append('}');
        }
        System.out.println(out.append("]}"));
      }
    }
  }
}
